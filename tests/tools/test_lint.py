# SPDX-License-Identifier: GPL-3.0-or-later
"""tools/lint (make lint): the repository passes the quick rules, and each rule fails on
a violation planted in a scratch tree (and passes on the same tree without it), so no
rule can quietly pass everything. clang-tidy over the whole tree runs in .ci/run's lint
stage; here it runs on one planted file."""
import os
import shutil
import subprocess
import unittest

from nltest import TempDirTest

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
LINT = os.path.join(TOP, "tools", "lint")
SPDX = "// SPDX-License-Identifier: GPL-3.0-or-later\n"
CLEAN = SPDX + "// A file every rule accepts.\n#include \"core/clean.h\"\n\nint clean() { return 1; }\n"


class Lint(TempDirTest):
    def lint(self, root, *rules):
        args = [LINT] + (["--root", root] if root else []) + list(rules)
        return subprocess.run(args, capture_output=True, timeout=600, text=True)

    def scratch(self):
        root = os.path.join(self.dir, "tree")
        os.makedirs(os.path.join(root, "src", "core"))
        for name in (".clang-format", ".clang-tidy"):
            shutil.copy(os.path.join(TOP, name), root)
        self.write(root, "src/core/clean.h", SPDX + "// A header.\n#pragma once\n\nint clean();\n")
        self.write(root, "src/core/clean.cpp", CLEAN)
        return root

    def write(self, root, path, text):
        os.makedirs(os.path.dirname(os.path.join(root, path)), exist_ok=True)
        with open(os.path.join(root, path), "w") as f:
            f.write(text)

    def assert_fails(self, root, rule, path, text, words):
        before = self.lint(root, rule)
        self.assertEqual(before.returncode, 0, before.stdout)
        self.assertIn("1 passed, 0 failed", before.stdout)
        self.write(root, path, text)
        after = self.lint(root, rule)
        self.assertEqual(after.returncode, 1, after.stdout)
        self.assertIn(f"lint: {rule}: FAILED", after.stdout)
        self.assertIn("0 passed, 1 failed", after.stdout)
        self.assertIn(path, after.stdout)
        self.assertIn(words, after.stdout)
        os.remove(os.path.join(root, path))

    def test_the_repository_passes_layering_spdx_and_refs(self):
        # Not format: the repository's formatting is checked once per CI run, by the lint
        # stage (make lint); here each rule is proved able to fail, format included.
        r = self.lint(None, "layering", "spdx", "refs")
        self.assertEqual(r.returncode, 0, r.stdout)
        self.assertIn("3 passed, 0 failed", r.stdout)

    def test_format_fails_on_a_file_clang_format_would_change(self):
        root = self.scratch()
        self.assert_fails(root, "format", "src/core/messy.cpp",
                          SPDX + "int  messy( ){return 1 ;}\n", "not as clang-format writes it")
        # Among many clean files (checked in batches, in parallel), the one is found.
        for i in range(80):
            self.write(root, f"tests/clean{i}.cpp", CLEAN)
        self.assert_fails(root, "format", "src/core/messy.h", SPDX + "#pragma once\nint  messy( );\n",
                          "not as clang-format writes it")

    def test_format_fails_when_clang_format_cannot_run(self):
        root = self.scratch()
        with open(os.path.join(root, ".clang-format"), "w") as f:
            f.write("BasedOnStyle: NoSuchStyle\n")
        r = self.lint(root, "format")
        self.assertEqual(r.returncode, 1, r.stdout)
        self.assertIn("clang-format failed", r.stdout)

    def test_layering_fails_on_each_forbidden_include(self):
        root = self.scratch()
        for path, include, why in (
                ("src/core/a.cpp", "<uv.h>", "core includes only core"),
                ("src/core/b.cpp", "\"net/timer.h\"", "core includes only core"),
                ("src/server/c.cpp", "<uv.h>", "only net/ includes uv.h"),
                ("src/ui/screen2.cpp", "<curses.h>", "only ui/terminal.cpp includes curses"),
                ("src/client/d.cpp", "<ncursesw/curses.h>", "only ui/terminal.cpp includes curses"),
                ("src/server/e.cpp", "<libwebsockets.h>", "only web/ includes libwebsockets"),
                ("src/web/f.cpp", "\"server/server_options.h\"", "include nothing from server/"),
                ("src/client/g.cpp", "\"server/server.h\"", "include nothing from server/")):
            with self.subTest(path=path):
                self.assert_fails(root, "layering", path, SPDX + f"#include {include}\n", why)
        # The same includes are fine where the rules allow them.
        self.write(root, "src/net/h.cpp", SPDX + "#include <uv.h>\n")
        self.write(root, "src/ui/terminal.cpp", SPDX + "#include <curses.h>\n")
        self.write(root, "src/web/i.cpp", SPDX + "#include <libwebsockets.h>\n")
        self.assertEqual(self.lint(root, "layering").returncode, 0)

    def test_spdx_fails_on_a_source_file_without_its_licence_line(self):
        root = self.scratch()
        self.assert_fails(root, "spdx", "src/core/nolicence.cpp", "int x;\n", "no SPDX-License-Identifier")
        self.assert_fails(root, "spdx", "tests/lib/helper.py", '"""A helper."""\n', "no SPDX-License-Identifier")
        # An empty file has no licence line either; the line on the fourth is too late.
        self.assert_fails(root, "spdx", "src/core/empty.h", "", "src/core/empty.h: no SPDX")
        self.assert_fails(root, "spdx", "src/core/late.h", "//\n//\n//\n" + SPDX, "src/core/late.h: no SPDX")

    def test_refs_fails_on_a_path_the_docs_name_that_is_not_there(self):
        root = self.scratch()
        self.write(root, "HACKING.md", "The codec is in `src/core/clean.h` (see src/core/clean.cpp).\n")
        self.assert_fails(root, "refs", "README", "Rules are tested in tests/core/gone_test.cpp.\n",
                          "names tests/core/gone_test.cpp, which is not in the repository")
        self.assert_fails(root, "refs", "man/tool.1", ".I contrib/nginx/site\\-gone.conf\n",
                          "names contrib/nginx/site-gone.conf")

    def test_tidy_fails_on_a_finding(self):
        self.assert_fails(self.scratch(), "tidy", "src/core/parse.cpp",
                          SPDX + "#include <cstdlib>\n\nint parse(const char* s) { return std::atoi(s); }\n",
                          "cert-err34-c")

    def test_an_unknown_rule_is_refused(self):
        r = self.lint(self.scratch(), "spelling")
        self.assertEqual(r.returncode, 2)
        self.assertIn("no rule 'spelling'", r.stderr)


if __name__ == "__main__":
    unittest.main()
