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

TEST_CASE("authorized keys: a role before the fingerprint, and the name after it", "[authorized_keys][shift]") {
    std::string fp1 = "SHA256:pl8x0bSmY8Et45bdPb25oeLDA+39pG7zg/PzezocU+s";
    std::string fp2 = "SHA256:/iElStilDJ+0KffTWYovKn3j4jgF/3zLcIRLfOlxvgc";
    auto keys = parse_authorized_keys("role=supervisor " + fp1 + "  Sam Smith \n" + fp2 + "\n");
    CHECK(keys.problems.empty());
    REQUIRE(keys.profiles.size() == 2);
    CHECK(keys.profiles[fp1].supervisor);
    CHECK(keys.profiles[fp1].name == "Sam Smith");
    CHECK_FALSE(keys.profiles[fp2].supervisor);
    CHECK(keys.profiles[fp2].name.empty());
    CHECK(parse_authorized_keys("role=operator " + fp1 + " Al\n").profiles[fp1].name == "Al");
}

TEST_CASE("authorized keys: an unknown option skips the line; a long name is dropped", "[authorized_keys][shift]") {
    std::string fp = "SHA256:pl8x0bSmY8Et45bdPb25oeLDA+39pG7zg/PzezocU+s";
    auto keys = parse_authorized_keys("from=10.0.0.1 " + fp + " Sam\nrole=boss " + fp + "\nrole=supervisor\n" + fp +
                                      " " + std::string(65, 'x') + "\n");
    REQUIRE(keys.problems.size() == 4);
    CHECK(keys.problems[0].find("line 1: unknown option 'from=10.0.0.1'") == 0);
    CHECK(keys.problems[1].find("line 2: unknown option 'role=boss'") == 0);
    CHECK(keys.problems[2].find("line 3: '' is not a key fingerprint") == 0);
    CHECK(keys.problems[3].find("line 4: the name") == 0);
    // The last line's key is still let in, named by its fingerprint.
    CHECK(keys.fingerprints == std::set<std::string>{fp});
    CHECK(keys.profiles[fp].name.empty());
}
