"""Fails when the CA given to an image's build stage is anywhere in the image; build-images.sh
runs it on each image it built with ARG BUILD_CA_CERTS.

usage: docker save IMAGE | check_no_build_ca.py CA_PEM_FILE

Every file of every layer, the image config (with its history) and the manifest are searched
for the CA in DER form and for each full line of its PEM body.
"""

import base64
import io
import sys
import tarfile


# The CA's DER bytes and its PEM body lines (the short last line is too common to count).
def needles(pem):
    lines = [line for line in pem.splitlines() if line and not line.startswith("-----")]
    return [base64.b64decode("".join(lines))] + [line.encode() for line in lines[:-1]]


# The first file (inside nested layer archives too) that holds a needle, or None.
def find(archive, needles, where=""):
    for member in archive:
        if not member.isfile():
            continue
        data = archive.extractfile(member).read()
        if member.name.endswith(".tar"):
            hit = find(tarfile.open(fileobj=io.BytesIO(data)), needles, f"{member.name}:")
            if hit:
                return hit
        elif any(needle in data for needle in needles):
            return f"{where}{member.name}"
    return None


def main(ca_file):
    with open(ca_file, encoding="utf-8") as pem:
        wanted = needles(pem.read())
    hit = find(tarfile.open(fileobj=sys.stdin.buffer, mode="r|"), wanted)
    if hit:
        print(f"the build stage's CA is in the image: {hit}")
        return 1
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1]))
