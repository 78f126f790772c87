// SPDX-License-Identifier: GPL-3.0-or-later
#include "net/redialer.h"

#include <utility>

namespace nlchat::net {

Redialer::Redialer(Loop& loop, std::size_t max_line, Target target, Backoff::Policy policy, Handlers handlers)
    : target_(std::move(target)),
      handlers_(std::move(handlers)),
      connector_(loop, max_line),
      timer_(loop),
      backoff_(policy) {}

void Redialer::dial() {
    stop();
    auto done = [this](std::unique_ptr<LineStream> stream, const std::string& error) {
        if (stream) return handlers_.on_connected(std::move(stream));
        double wait = dial_later();
        if (handlers_.on_failed) handlers_.on_failed(error, wait);
    };
    if (target_.tcp) connector_.connect_tcp(*target_.tcp, done);
    else connector_.connect_unix(target_.unix_path, done);
}

double Redialer::dial_later() {
    double wait = backoff_.next();
    timer_.start(wait, [this] { dial(); });
    return wait;
}

void Redialer::stop() {
    connector_.cancel();
    timer_.stop();
}

void Redialer::close() {
    connector_.cancel();
    timer_.close();
}

}  // namespace nlchat::net
