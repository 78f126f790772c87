// SPDX-License-Identifier: GPL-3.0-or-later
#include "net/logger.h"

#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>

namespace nlchat {

Logger::Logger(std::string program, bool verbose)
    : program_(std::move(program)), verbose_(verbose), journal_(std::getenv("JOURNAL_STREAM") != nullptr) {}

void Logger::log(LogLevel level, const std::string& text) const {
    if (level == LogLevel::Debug && !verbose_) return;
    const char* word = level == LogLevel::Debug ? "debug" : level == LogLevel::Info ? "info" : "warning";
    if (journal_) {
        int priority = level == LogLevel::Debug ? 7 : level == LogLevel::Info ? 6 : 4;
        std::fprintf(stderr, "<%d>%s\n", priority, text.c_str());
    } else {
        std::time_t t = std::time(nullptr);
        char stamp[16];
        std::strftime(stamp, sizeof stamp, "%H:%M:%S", std::localtime(&t));
        std::fprintf(stderr, "%s %s: %s: %s\n", stamp, program_.c_str(), word, text.c_str());
    }
    std::fflush(stderr);
}

void Logger::log_limited(LogLevel level, const std::string& kind, const std::string& text) {
    if (level == LogLevel::Debug && !verbose_) return;
    // A bounded number of kinds: past it, start again (the limits are a guard, not a count).
    if (limiters_.size() >= 256 && !limiters_.count(kind)) limiters_.clear();
    auto& limiter = limiters_.try_emplace(kind, 20, 60).first->second;
    double now = std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
    if (auto line = limiter.pass(now, text)) log(level, *line);
}

void Logger::log_by_shape(LogLevel level, const std::string& text) {
    std::string kind;
    for (char c : text) {
        if (kind.size() >= 40) break;
        bool digit = std::isdigit(static_cast<unsigned char>(c)) != 0;
        if (!digit) kind += c;
        else if (kind.empty() || kind.back() != '#') kind += '#';
    }
    log_limited(level, kind, text);
}

}  // namespace nlchat
