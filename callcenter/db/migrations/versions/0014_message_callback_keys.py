"""callbacks: a message callback is keyed by the PBX name and the Linkedid (``message:{server}:{linkedid}``),
as call records are; the keys grow to fit both, and callbacks already keyed ``message:{linkedid}``
take the new form from their stored message, so a message decided again is not called back twice

Revision ID: 0014_message_callback_keys
Revises: 0013_left_messages, 0004_callbacks
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014_message_callback_keys"
down_revision = ("0013_left_messages", "0004_callbacks")
branch_labels = None
depends_on = None

# The first stored message of that Linkedid is the one the old key was made for: a second PBX's
# message with the same Linkedid found the key taken and got no callback of its own.
_REKEY = """
UPDATE callbacks SET dedupe_key = (
    SELECT 'message:' || lm.server || ':' || lm.linkedid FROM left_messages lm
    WHERE 'message:' || lm.linkedid = callbacks.dedupe_key ORDER BY lm.id LIMIT 1)
WHERE reason = 'message' AND EXISTS (
    SELECT 1 FROM left_messages lm WHERE 'message:' || lm.linkedid = callbacks.dedupe_key)
"""


def upgrade() -> None:
    with op.batch_alter_table("callbacks", schema=None) as batch_op:
        batch_op.alter_column("dedupe_key", existing_type=sa.String(length=96), type_=sa.String(length=160),
                              existing_nullable=False)
    op.execute(_REKEY)


def downgrade() -> None:
    op.execute("""
UPDATE callbacks SET dedupe_key = (
    SELECT 'message:' || lm.linkedid FROM left_messages lm
    WHERE 'message:' || lm.server || ':' || lm.linkedid = callbacks.dedupe_key)
WHERE reason = 'message' AND EXISTS (
    SELECT 1 FROM left_messages lm WHERE 'message:' || lm.server || ':' || lm.linkedid = callbacks.dedupe_key
    AND lm.id = (SELECT MIN(first.id) FROM left_messages first WHERE first.linkedid = lm.linkedid))
""")  # only the first PBX's: the old key cannot tell two PBXs apart
    with op.batch_alter_table("callbacks", schema=None) as batch_op:
        batch_op.alter_column("dedupe_key", existing_type=sa.String(length=160), type_=sa.String(length=96),
                              existing_nullable=False)
