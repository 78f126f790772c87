// SPDX-License-Identifier: GPL-3.0-or-later
#include "net/listener.h"

#include <sys/stat.h>
#include <unistd.h>
#include <uv.h>

#include <cstring>

#include "net/handle.h"

namespace nlchat::net {

struct Listener::Callbacks {
    static void on_connection(uv_stream_t* server, int status);
};

bool resolve(Loop& loop, const HostPort& where, sockaddr_storage& out, std::string& error) {
    std::memset(&out, 0, sizeof out);
    if (uv_ip4_addr(where.host.c_str(), where.port, reinterpret_cast<sockaddr_in*>(&out)) == 0) return true;
    if (uv_ip6_addr(where.host.c_str(), where.port, reinterpret_cast<sockaddr_in6*>(&out)) == 0) return true;
    // A name: a synchronous lookup (a null callback), done once at start-up.
    uv_getaddrinfo_t req;
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    int rc = uv_getaddrinfo(loop.raw(), &req, nullptr, where.host.c_str(), std::to_string(where.port).c_str(), &hints);
    if (rc != 0 || !req.addrinfo) {
        error = "cannot resolve '" + where.host + "': " + uv_strerror(rc);
        return false;
    }
    std::memcpy(&out, req.addrinfo->ai_addr, req.addrinfo->ai_addrlen);
    uv_freeaddrinfo(req.addrinfo);
    return true;
}

HostPort address_of(const sockaddr_storage& addr) {
    char host[INET6_ADDRSTRLEN] = "";
    HostPort hp;
    if (addr.ss_family == AF_INET6) {
        auto* a = reinterpret_cast<const sockaddr_in6*>(&addr);
        (void)uv_ip6_name(a, host, sizeof host);  // always fits; on failure the host stays empty
        hp.port = ntohs(a->sin6_port);
    } else {
        auto* a = reinterpret_cast<const sockaddr_in*>(&addr);
        (void)uv_ip4_name(a, host, sizeof host);
        hp.port = ntohs(a->sin_port);
    }
    hp.host = host;
    return hp;
}

bool Listener::listen_tcp(const HostPort& where, std::string& error) {
    sockaddr_storage addr;
    if (!resolve(loop_, where, addr, error)) return false;
    auto* tcp = new_handle<uv_tcp_t>();
    uv_must(uv_tcp_init(loop_.raw(), tcp), "uv_tcp_init");
    tcp->data = this;
    int rc = uv_tcp_bind(tcp, reinterpret_cast<const sockaddr*>(&addr), 0);
    if (rc == 0) rc = uv_listen(reinterpret_cast<uv_stream_t*>(tcp), 128, Callbacks::on_connection);
    if (rc != 0) {
        error = "cannot listen on " + format_host_port(where) + ": " + uv_strerror(rc);
        close_and_free(tcp);
        return false;
    }
    sockaddr_storage bound;
    int len = sizeof bound;
    if ((rc = uv_tcp_getsockname(tcp, reinterpret_cast<sockaddr*>(&bound), &len)) != 0) {
        error = "cannot listen on " + format_host_port(where) + ": cannot read the bound address: " + uv_strerror(rc);
        close_and_free(tcp);
        return false;
    }
    bound_ = address_of(bound);
    server_ = reinterpret_cast<uv_stream_t*>(tcp);
    is_tcp_ = true;
    return true;
}

bool Listener::listen_unix(const std::string& path, int mode, std::string& error) {
    struct stat st;
    if (lstat(path.c_str(), &st) == 0) {
        if (!S_ISSOCK(st.st_mode)) {
            error = "cannot listen on '" + path + "': a file that is not a socket is in the way";
            return false;
        }
        unlink(path.c_str());  // left by an earlier run
    }
    auto* pipe = new_handle<uv_pipe_t>();
    uv_must(uv_pipe_init(loop_.raw(), pipe, 0), "uv_pipe_init");
    pipe->data = this;
    int rc = uv_pipe_bind(pipe, path.c_str());
    if (rc == 0) rc = chmod(path.c_str(), static_cast<mode_t>(mode)) == 0 ? 0 : uv_translate_sys_error(errno);
    if (rc == 0) rc = uv_listen(reinterpret_cast<uv_stream_t*>(pipe), 128, Callbacks::on_connection);
    if (rc != 0) {
        error = "cannot listen on '" + path + "': " + uv_strerror(rc);
        close_and_free(pipe);
        return false;
    }
    server_ = reinterpret_cast<uv_stream_t*>(pipe);
    is_tcp_ = false;
    unix_path_ = path;
    return true;
}

void Listener::Callbacks::on_connection(uv_stream_t* server, int status) {
    auto* self = static_cast<Listener*>(server->data);
    if (!self) return;
    if (status < 0) {
        if (self->on_error_) self->on_error_(uv_strerror(status));
        return;
    }
    uv_stream_t* client = new_stream_storage();
    if (self->is_tcp_) uv_must(uv_tcp_init(self->loop_.raw(), reinterpret_cast<uv_tcp_t*>(client)), "uv_tcp_init");
    else uv_must(uv_pipe_init(self->loop_.raw(), reinterpret_cast<uv_pipe_t*>(client), 0), "uv_pipe_init");
    if (int rc = uv_accept(server, client); rc != 0) {
        close_and_free(client);
        if (self->on_error_) self->on_error_(uv_strerror(rc));
        return;
    }
    // Without it lines are only slower to leave, never lost.
    if (self->is_tcp_) (void)uv_tcp_nodelay(reinterpret_cast<uv_tcp_t*>(client), 1);
    self->on_accept_(std::make_unique<LineStream>(client, self->max_line_));
}

void Listener::close() {
    if (!server_) return;
    close_and_free(server_);
    server_ = nullptr;
    if (!unix_path_.empty()) unlink(unix_path_.c_str());
    unix_path_.clear();
}

}  // namespace nlchat::net
