// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/crypto/authorized_keys.h"

#include <catch2/catch.hpp>

using namespace nlchat;

TEST_CASE("authorized keys: fingerprints with comments, blanks and # lines", "[authorized_keys]") {
    std::string fp1 = "SHA256:pl8x0bSmY8Et45bdPb25oeLDA+39pG7zg/PzezocU+s";
    std::string fp2 = "SHA256:/iElStilDJ+0KffTWYovKn3j4jgF/3zLcIRLfOlxvgc";
    auto keys = parse_authorized_keys("# operators\n\n" + fp1 + " Sam (Tuesdays)\r\n  " + fp2 + "\n");
    CHECK(keys.fingerprints == std::set<std::string>{fp1, fp2});
    CHECK(keys.problems.empty());
}

TEST_CASE("authorized keys: bad lines are reported by number and skipped", "[authorized_keys]") {
    std::string fp = "SHA256:pl8x0bSmY8Et45bdPb25oeLDA+39pG7zg/PzezocU+s";
    auto keys = parse_authorized_keys("ssh-rsa AAAA sam\n" + fp + "\nSHA256:short\n" + fp + "=\n");
    CHECK(keys.fingerprints == std::set<std::string>{fp});
    REQUIRE(keys.problems.size() == 3);
    CHECK(keys.problems[0].rfind("line 1: 'ssh-rsa'", 0) == 0);
    CHECK(keys.problems[1].rfind("line 3:", 0) == 0);
    CHECK(keys.problems[2].rfind("line 4:", 0) == 0);
    CHECK_FALSE(is_fingerprint(""));
}
