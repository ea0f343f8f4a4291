"""The reporting every check script (helm/checks, infra/checks, docker/checks) shares.

One line per check, so a CI log shows what was checked, not only what failed; the exit status
says whether anything failed.
"""

failures = []


def report(ok, what, detail=""):
    print(f"{'ok  ' if ok else 'FAIL'} {what}{': ' + detail if detail else ''}")
    if not ok:
        failures.append(what)


# 0 when every check passed; else 1, after one line counting the failed checks of this kind.
def exit_status(kind):
    if not failures:
        return 0
    print(f"{len(failures)} {kind} check(s) failed")
    return 1
