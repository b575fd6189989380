"""`python -m personavlog.cli ...`: the same as the `personavlog` command."""

from personavlog.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
