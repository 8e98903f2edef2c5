"""``callcenter agents …``: provisioning the agents' softphones."""

from __future__ import annotations

import io
import json
import os
import socket
from dataclasses import asdict, dataclass
from typing import Literal

import typer

from callcenter.config import load_settings
from callcenter.ivr.credentials import CredentialStore, Provisioned, credentials_path, provision
from callcenter.words.catalogue import both

app = typer.Typer(help="Agents: softphone provisioning.", no_args_is_help=True)


@dataclass(frozen=True)
class PhoneSettings:
    """What a softphone needs to register with Asterisk."""

    agent_id: str
    name: str
    user: str
    password: str | None
    server: str
    port: int
    transport: str
    uri: str
    issued_at: str


def phone_settings(item: Provisioned, server: str, port: int, transport: str) -> PhoneSettings:
    # The password rides in the URI only when it was just issued, so a QR code made later
    # never leaks an old one.
    userinfo = f"{item.extension}:{item.password}" if item.password else item.extension
    uri = f"sip:{userinfo}@{server}:{port};transport={transport}"
    return PhoneSettings(item.agent_id, item.name, item.extension, item.password, server, port, transport,
                         uri,
                         item.issued_at)


def ascii_qr(data: str) -> str:
    import qrcode

    qr = qrcode.QRCode(border=1)
    qr.add_data(data)
    qr.make(fit=True)
    out = io.StringIO()
    qr.print_ascii(out=out, invert=True)
    return out.getvalue()


def _text(phone: PhoneSettings, qr: bool) -> str:
    password = phone.password or "(已发放，不再显示；如需新密码请加 --rotate / already issued, use --rotate)"
    lines = [f"工号 {phone.agent_id} {phone.name}",
             f"  SIP 用户 user:      {phone.user}",
             f"  密码 password:      {password}",
             f"  服务器 server:      {phone.server}:{phone.port} ({phone.transport})",
             f"  URI:                {phone.uri}"]
    if qr:
        lines.append(ascii_qr(phone.uri))
    return "\n".join(lines)


def host_address() -> str | None:
    """This host's address on the network its default route leads to (no packet is sent: a UDP
    connect only picks the route), or None when it has none but loopback."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(("192.0.2.1", 5060))  # TEST-NET-1: never reached, only routed
            address = str(probe.getsockname()[0])
    except OSError:
        return None
    return None if address.startswith("127.") or address == "0.0.0.0" else address


def _phone_server() -> str:
    """Where the phones register: the setting, else this host's network address (said on stderr),
    never ``localhost``, which every phone resolves to itself."""
    configured = os.environ.get("CALLCENTER_SIP_SERVER")
    if configured:
        return configured
    found = host_address()
    if found is None:
        raise typer.BadParameter("this host has no network address a phone can reach; give the Asterisk "
                                 "server's with --server or CALLCENTER_SIP_SERVER", param_hint="--server")
    typer.echo(both("cli.sip_server_found", server=found), err=True)
    return found


@app.command("provision")
def provision_command(
    agent: str | None = typer.Option(None, "--agent", help="only this 工号"),
    rotate: bool = typer.Option(False, "--rotate", help="issue new passwords (the old ones stop working)"),
    output: Literal["text", "json"] = typer.Option("text", "--format", help="text or json"),
    qr: bool = typer.Option(False, "--qr", help="print a QR code of the sip: URI"),
    server: str | None = typer.Option(None, "--server",
                                      help="address the phones register with (default: "
                                           "CALLCENTER_SIP_SERVER, else this host's network address)"),
    port: int = typer.Option(5060, "--port"),
    transport: Literal["udp", "tcp", "tls"] = typer.Option("udp", "--transport"),
) -> None:
    """Issue SIP passwords to the agents and show what each softphone needs.

    A password is shown only when it is issued; Asterisk keeps only its md5 digest. After
    issuing or rotating, render the dialplans again and reload res_pjsip.
    """
    settings = load_settings(ami=False)  # provisioning comes before the render that makes the AMI secrets
    server = server or _phone_server()
    store = CredentialStore(credentials_path(settings.var_dir))
    issued = provision(settings.hotline, store, agent, rotate=rotate)
    phones = [phone_settings(item, server, port, transport) for item in issued]
    if output == "json":
        typer.echo(json.dumps([asdict(p) for p in phones], ensure_ascii=False, indent=2))
    else:
        typer.echo("\n\n".join(_text(p, qr) for p in phones))
    if any(p.password for p in phones):
        typer.echo("请重新生成拨号方案并重载 PJSIP / render the dialplans again and reload PJSIP: "
                   "callcenter dialplan render && asterisk -rx 'module reload res_pjsip.so'", err=True)
