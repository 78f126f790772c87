#include "server/logger.h"

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

}  // namespace nlchat
