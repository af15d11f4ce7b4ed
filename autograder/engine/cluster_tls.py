"""The cluster's own channel, authenticated: Dask's TLS between scheduler, workers and client.

``course cluster certs DIR`` writes a certificate authority (ca.pem) and one
certificate signed by it (node.pem, node-key.pem, the key readable by its
owner only), and a Dask configuration (dask.yaml) that uses them for the
scheduler, the workers and the client, with encryption required. Every
process of the cluster is given the same folder; a process without the
certificate cannot open a connection (the scheduler asks for the peer's
certificate and checks it against ca.pem), so it cannot run code on a
worker. The CA's private key is not kept: more certificates need a new
folder. An instructor's own certificates can be used instead (docs/cluster.md).

The client finds them in $COURSE_CLUSTER_TLS (the folder), or else in Dask's
own configuration (distributed.comm.tls.*); client_security() checks, before
anything connects or is written, that a tls:// address has them.
"""
import datetime as dt
import os
from pathlib import Path

import yaml

from .errors import GradingError

ENV = "COURSE_CLUSTER_TLS"
CA, CERT, KEY, CONFIG = "ca.pem", "node.pem", "node-key.pem", "dask.yaml"
VALID_DAYS = 365


def write_certificates(folder: Path, days: int = VALID_DAYS) -> list[Path]:
    """Write ca.pem, node.pem, node-key.pem and dask.yaml into folder (made 0700); return their paths."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    folder = Path(folder).resolve()
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    existing = [name for name in (CA, CERT, KEY, CONFIG) if (folder / name).exists()]
    if existing:
        raise FileExistsError(f"{folder} already holds {', '.join(existing)}: give a new folder")
    now = dt.datetime.now(dt.timezone.utc)

    def certificate(subject, issuer, public_key, signing_key, ca: bool):
        builder = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer).public_key(public_key)
                   .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
                   .not_valid_after(now + dt.timedelta(days=days))
                   .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
        if not ca:
            builder = builder.add_extension(x509.SubjectAlternativeName([x509.DNSName("nnfs-cluster")]), False)
        return builder.sign(signing_key, hashes.SHA256())

    ca_key, node_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "nnfs course cluster CA")])
    node_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "nnfs-cluster")])
    ca_cert = certificate(ca_name, ca_name, ca_key.public_key(), ca_key, ca=True)
    node_cert = certificate(node_name, ca_name, node_key.public_key(), ca_key, ca=False)
    pem = serialization.Encoding.PEM
    (folder / CA).write_bytes(ca_cert.public_bytes(pem))
    (folder / CERT).write_bytes(node_cert.public_bytes(pem))
    fd = os.open(folder / KEY, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(node_key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    pair = {"cert": str(folder / CERT), "key": str(folder / KEY)}
    config = {"distributed": {"comm": {"require-encryption": True, "tls": {
        "ca-file": str(folder / CA), "scheduler": dict(pair), "worker": dict(pair), "client": dict(pair)}}}}
    (folder / CONFIG).write_text(yaml.safe_dump(config, sort_keys=False))
    return [folder / name for name in (CA, CERT, KEY, CONFIG)]


def security(folder: Path | None = None):
    """A distributed.Security: from folder (or $COURSE_CLUSTER_TLS) if given, else Dask's configuration."""
    from distributed.security import Security

    folder = folder or os.environ.get(ENV)
    if not folder:
        return Security()
    folder = Path(folder)
    missing = [name for name in (CA, CERT, KEY) if not (folder / name).is_file()]
    if missing:
        raise FileNotFoundError(f"{folder} (${ENV}) has no {', '.join(missing)}: make it with `course cluster certs`")
    pair = {"tls_ca_file": str(folder / CA)}
    for role in ("scheduler", "worker", "client"):
        pair |= {f"tls_{role}_cert": str(folder / CERT), f"tls_{role}_key": str(folder / KEY)}
    return Security(require_encryption=True, **pair)


class ClusterSecurityError(GradingError):
    """The client cannot talk to the scheduler securely as asked: a tls:// address without certificates, or
    certificates (encryption required) with an address that is not tls://."""


def client_security(address: str):
    """The distributed.Security with which `course grade --scheduler address` connects; raises
    ClusterSecurityError at once (nothing connected, nothing written) when it cannot work."""
    try:
        secured = security()
        context = secured.get_connection_args("client")["ssl_context"]
    except (OSError, ValueError) as exc:
        raise ClusterSecurityError(f"the cluster's certificates cannot be used: {exc}") from None
    if address.startswith("tls://") and context is None:
        raise ClusterSecurityError(
            f"{address} is a TLS scheduler, and this client has no certificate for it: set ${ENV} to the folder "
            f"the scheduler and workers use (made by `course cluster certs DIR`), or Dask's distributed.comm.tls.* "
            "configuration (docs/cluster.md)")
    if secured.require_encryption and not address.startswith("tls://"):
        where = f"${ENV}={os.environ[ENV]}" if os.environ.get(ENV) else "Dask's configuration"
        raise ClusterSecurityError(f"{where} requires encryption, but {address} is not a tls:// address: give "
                                   "the scheduler's tls:// address (docs/cluster.md)")
    return secured
