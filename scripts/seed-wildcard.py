#!/usr/bin/env python3
"""The one place that knows how the seed recipes' expected outputs are wildcarded.

Each CPython program in tests/seeds/python/*.py may carry, anywhere in its text, lines
of the form

    # wildcard: <regex>
    # unordered

`apply PROGRAM.py`   reads a raw stdout on stdin and prints it with every match of every
                     `# wildcard:` regex replaced by `*`: if the regex has groups, only the
                     spans of the groups that matched are replaced; otherwise the whole
                     match. Regexes are applied in file order, with re.MULTILINE.
`match PROGRAM.py EXPECTED.txt`
                     reads a raw stdout on stdin and exits 0 if it matches the expected
                     text, where each `*` in the expected text stands for any run of
                     characters within one line. With `# unordered`, lines are compared
                     as multisets (each expected line must match a distinct actual line).
                     On a mismatch, prints a diff of the wildcarded actual against the
                     expected file and exits 1.

The wildcards stand only for what varies between runs of the same program: elapsed
times, object addresses, install paths. tests/seed_examples.rs matches weft's examples
against the same expected files by the same `*` rule (and reads `# unordered` from the
same programs).
"""
import difflib
import re
import sys

WILDCARD_RE = re.compile(r"^\s*#\s*wildcard:\s?(.*?)\s*$", re.MULTILINE)
UNORDERED_RE = re.compile(r"^\s*#\s*unordered\s*$", re.MULTILINE)


def rules(program_path):
    with open(program_path, encoding="utf-8") as f:
        text = f.read()
    return [re.compile(r, re.MULTILINE) for r in WILDCARD_RE.findall(text)], bool(
        UNORDERED_RE.search(text)
    )


def apply(text, regexes):
    for rx in regexes:
        def repl(m):
            if rx.groups == 0:
                return "*"
            s = m.group(0)
            base = m.start(0)
            out, pos = [], 0
            for g in range(1, rx.groups + 1):
                if m.start(g) < 0:
                    continue
                a, b = m.start(g) - base, m.end(g) - base
                if a < pos:  # nested group inside one already replaced
                    continue
                out.append(s[pos:a])
                out.append("*")
                pos = b
            out.append(s[pos:])
            return "".join(out)

        text = rx.sub(repl, text)
    return text


def line_pattern(expected_line):
    return re.compile("".join(".*?" if p == "*" else re.escape(p) for p in re.split(r"(\*)", expected_line)))


def matches(actual, expected, unordered):
    a_lines = actual.split("\n")
    e_lines = expected.split("\n")
    if len(a_lines) != len(e_lines):
        return False
    pats = [line_pattern(e) for e in e_lines]
    if not unordered:
        return all(p.fullmatch(a) for p, a in zip(pats, a_lines))
    # multiset matching: greedy is enough when patterns are mostly literal; fall back to
    # bipartite matching to be safe.
    n = len(pats)
    adj = [[j for j in range(n) if pats[i].fullmatch(a_lines[j])] for i in range(n)]
    owner = [-1] * n

    def augment(i, seen):
        for j in adj[i]:
            if not seen[j]:
                seen[j] = True
                if owner[j] < 0 or augment(owner[j], seen):
                    owner[j] = i
                    return True
        return False

    return all(augment(i, [False] * n) for i in range(n))


def main(argv):
    if len(argv) >= 3 and argv[1] == "apply":
        regexes, _ = rules(argv[2])
        sys.stdout.write(apply(sys.stdin.read(), regexes))
        return 0
    if len(argv) >= 4 and argv[1] == "match":
        regexes, unordered = rules(argv[2])
        actual = sys.stdin.read()
        with open(argv[3], encoding="utf-8") as f:
            expected = f.read()
        if matches(actual, expected, unordered):
            return 0
        shown = apply(actual, regexes)
        sys.stdout.writelines(
            difflib.unified_diff(
                expected.splitlines(True), shown.splitlines(True), argv[3], "actual (wildcarded)"
            )
        )
        return 1
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
