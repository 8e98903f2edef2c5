"""R4: a zone of a villa estate where the caller has their home, said without the house (山庄六区那边
有套别墅, 六区的房子): the zone is the caller's address, as a zone they call theirs (我们六区) is.
"""

from __future__ import annotations

import re

from callcenter.tickets.extract.address_numbers import AREA_NAME, estate_part

_ZONE_OF_A_HOME = re.compile(rf"(?P<area>{AREA_NAME})区(?!域)(?:那边|这边|那里)?(?:有|的)一?(?:套|栋|间)?"
                             r"(?:房子|别墅|房(?![租东费])|屋)")


def zone_of_a_home(text: str) -> str | None:
    for match in _ZONE_OF_A_HOME.finditer(text):
        part = estate_part(None, match.group("area"))
        if part:
            return part
    return None
