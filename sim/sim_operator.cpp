// SPDX-License-Identifier: GPL-3.0-or-later
#include "sim/sim_operator.h"

#include <algorithm>

#include "ui/screen.h"

namespace nlchat::sim {

SimOperator::SimOperator(World& world, Net& net, Ledger& ledger, SimServer& server, OperatorSpec spec)
    : world_(world), net_(net), ledger_(ledger), server_(server), spec_(std::move(spec)) {}

SimOperator::~SimOperator() = default;

Now SimOperator::now() const { return Now{world_.now(), 1.7e9 + world_.now()}; }

void SimOperator::start() {
    if (session_) return;
    ++run_;
    ++generation_;
    world_.trace(who(), "nlchat starts (run " + std::to_string(run_) + (spec_.v2 ? ", v2" : ", v1") +
                            (spec_.max_chats ? ", " + std::to_string(spec_.max_chats) + " chats" : ", 2015") + ")");
    ClientSettings settings;
    settings.uuid = spec_.uuid;
    settings.max_chats = spec_.max_chats;
    ClientEffects& effects = *this;
    session_ = std::make_unique<ClientSession>(settings, spec_.key->public_key(), server_.key_for_clients(), effects);
    controller_ = std::make_unique<ui::Controller>(*session_);
    ClientLinkEffects& link_effects = *this;
    link_ = std::make_unique<ClientLink>(
        ClientLinkSettings{spec_.uuid, spec_.key->public_key().fingerprint(), spec_.v2, 0.2, sim_seal}, link_effects);
    gave_up_ = false;
    backoff_ = 0;
    seen_lines_.clear();
    to_open_.clear();
    opening_ = false;
    dial();
}

void SimOperator::crash() {
    if (!session_) return;
    world_.trace(who(), "nlchat killed (-9)");
    if (conn_) net_.close(*conn_, true);
    conn_.reset();
    ++generation_;
    ++timer_generation_;
    link_.reset();
    controller_.reset();
    session_.reset();
}

void SimOperator::dial() {
    if (!session_ || gave_up_ || conn_) return;
    const std::uint64_t gen = generation_;
    Endpoint mine{[this, gen](const std::string& line) {
                      if (gen != generation_ || !link_) return;
                      link_->received(line, now());
                      after();
                  },
                  [this, gen] {
                      if (gen != generation_) return;
                      link_closed("connection lost");
                  }};
    conn_ = server_.dial_operator(std::move(mine));
    if (!conn_) return redial();
    world_.trace(who(), "connected");
    backoff_ = 1;
    link_->link_up(now());
    session_->link_up(now());
    after();
}

void SimOperator::redial() {
    // nlchat's Redialer: at once, then 1 s doubling to 30 s, each +-20 %.
    const double wait = backoff_ * world_.uniform(0.8, 1.2);
    backoff_ = std::min(30.0, std::max(1.0, backoff_ * 2));
    const std::uint64_t gen = generation_;
    world_.at(wait, [this, gen] {
        if (gen == generation_) dial();
    });
}

void SimOperator::link_closed(const std::string& why) {
    if (!session_) return;
    world_.trace(who(), why);
    conn_.reset();
    ++generation_;  // lines of the old connection still being opened are dropped
    to_open_.clear();
    opening_ = false;
    link_->link_down();
    session_->link_down(now());
    redial();
    after();
}

void SimOperator::cut() {
    if (conn_) {
        world_.trace(who(), "the link is cut");
        net_.cut(*conn_);
    }
}

void SimOperator::freeze(double seconds) {
    if (!conn_) return;
    world_.trace(who(), "stops reading for " + std::to_string(static_cast<int>(seconds)) + " s");
    const std::uint64_t conn = *conn_;
    net_.pause_reading(conn, true, true);
    world_.at(seconds, [this, conn] { net_.pause_reading(conn, true, false); });
}

bool SimOperator::write(const std::string& line) { return conn_ && net_.write(*conn_, true, line); }

void SimOperator::open(std::string packet) {
    // nlchat opens packets on libuv's pool, in order: a moment later here.
    to_open_.push_back(std::move(packet));
    if (opening_) return;
    opening_ = true;
    const std::uint64_t gen = generation_;
    world_.at(world_.uniform(0.0005, 0.005), [this, gen] {
        if (gen == generation_) open_next();
    });
}

void SimOperator::open_next() {
    opening_ = false;
    if (to_open_.empty() || !link_) return;
    std::string line = std::move(to_open_.front());
    to_open_.pop_front();
    if (!to_open_.empty()) {
        opening_ = true;
        const std::uint64_t gen = generation_;
        world_.at(world_.uniform(0.0005, 0.005), [this, gen] {
            if (gen == generation_) open_next();
        });
    }
    auto packet = sim_open(line);
    link_->opened(packet ? &*packet : nullptr, now());
    after();
}

bool SimOperator::holds(const std::string& tag) const {
    for (const auto& line : to_open_)
        if (line.find(tag) != std::string::npos) return true;
    return false;
}

void SimOperator::drop(const std::string& why) {
    if (!conn_) return;
    net_.close(*conn_, true);
    link_closed(why);
}

void SimOperator::server_online(const std::optional<std::string>& key_pem) { session_->server_online(key_pem, now()); }

void SimOperator::command(const Command& command) {
    // With --trace, what the operator's session is told, in detail.
    if (world_.tracing_live) {
        auto chat = [](std::optional<std::int64_t> c) { return c ? std::to_string(*c) : std::string("-"); };
        if (auto* m = std::get_if<MsgCommand>(&command))
            world_.trace(who(), "gets msg " + m->msg[0] + " chat " + chat(m->chat) + " line " + chat(m->line));
        else if (auto* a = std::get_if<RingAckAckCommand>(&command))
            world_.trace(who(), "gets ringACKACK " + std::to_string(a->id) + " for " + a->uuid.substr(0, 4) + " chat " +
                                    chat(a->chat));
        else if (auto* st = std::get_if<ChatStateCommand>(&command))
            world_.trace(who(), "gets chat_state " + st->state + " chat " + chat(st->chat));
        else if (auto* u = std::get_if<UndeliveredCommand>(&command))
            world_.trace(who(), "gets undelivered " + std::to_string(u->line) + ": " + u->reason);
    }
    session_->command(command, now());
    if (session_ && session_->link() == LinkState::Joined) backoff_ = 1;
}

void SimOperator::delivered(std::uint64_t receipt) {
    if (world_.tracing_live) world_.trace(who(), "gets the acknowledgement of receipt " + std::to_string(receipt));
    session_->delivered(receipt);
}

bool SimOperator::send(const Command& command) {
    if (!conn_ || !session_->server_key()) return false;
    return link_->send(command, *session_->server_key(), now());
}

void SimOperator::give_up(const std::string& why) {
    world_.trace(who(), "gives up: " + why);
    gave_up_ = true;
    if (conn_) net_.close(*conn_, true);
    conn_.reset();
    ++generation_;
}

void SimOperator::key(const ui::Key& k) {
    if (!controller_) return;
    controller_->key(k, now());
}

void SimOperator::type(const std::string& text) {
    for (char c : text) key(ui::Key{0, std::string(1, c)});
}

bool SimOperator::focus(std::uint64_t serial) {
    // Ctrl-N round the panes, as the operator would, until the one it wants is marked.
    const std::size_t panes = session_->chats().size() + session_->readalongs().size() + 1;
    for (std::size_t i = 0;
         i < panes && controller_ && controller_->typing_target() != serial && controller_->whisper_target() != serial;
         ++i)
        key(ui::Key{ui::key::ctrl('n'), ""});
    return controller_ && (controller_->typing_target() == serial || controller_->whisper_target() == serial);
}

bool SimOperator::select_offer(std::size_t index) {
    // Tab round the queue (rings, then requests and hand-overs) until it is selected.
    const std::size_t entries = session_->rings().size() + session_->shift().offers.size() + 1;
    for (std::size_t i = 0; i < entries && controller_ && selected_offer_index(*session_, controller_->ui()) != index;
         ++i)
        key(ui::Key{ui::key::Tab, ""});
    return controller_ && selected_offer_index(*session_, controller_->ui()) == index;
}

bool SimOperator::shift_act(bool busy) {
    const ShiftModel& shift = session_->shift();
    if (!shift.active || !controller_) return false;
    // Back from away for the quiet spell (rings must be answered), and soon in the busy one.
    if (shift.away && (!busy || world_.chance(0.3))) {
        world_.trace(who(), "comes back (F9)");
        key(ui::Key{ui::key::F9, ""});
        return true;
    }
    if (busy && !shift.away && world_.chance(0.01)) {
        world_.trace(who(), "steps away (F9)");
        key(ui::Key{ui::key::F9, ""});
        return true;
    }
    // A hand-over or a request for support in its queue: Tab to it, F2.
    if (!shift.offers.empty() && world_.chance(0.5)) {
        const std::size_t i = world_.pick(shift.offers.size());
        const ShiftOffer offer = shift.offers[i];
        const bool handover = offer.kind == ShiftOffer::Kind::Handover;
        if ((handover || busy) && !offer.accepting && select_offer(i)) {
            world_.trace(who(), std::string(handover ? "takes the hand-over of chat " : "reads along in chat ") +
                                    std::to_string(offer.chat) + " (Tab, F2)");
            key(ui::Key{ui::key::F2, ""});
            return true;
        }
    }
    // Whispers in a read-along, or leaving it.
    const auto& reads = session_->readalongs();
    if (busy && !reads.empty() && world_.chance(0.3)) {
        const ReadAlong r = reads[world_.pick(reads.size())];
        if (!focus(r.chat.serial)) return false;
        if (r.chat.ended || world_.chance(0.1)) {
            world_.trace(who(), "leaves the read-along of chat " + std::to_string(r.chat.id.value_or(0)) + " (Ctrl-X)");
            key(ui::Key{ui::key::ctrl('x'), ""});
        } else {
            const std::string tag = ledger_.whisper_tag(spec_.id, run_, r.chat.id.value_or(0), next_line_++);
            world_.trace(who(), "whispers " + tag);
            type(tag);
            key(ui::Key{ui::key::Enter, ""});
        }
        return true;
    }
    return false;
}

bool SimOperator::shift_chat_act(const Chat& chat) {
    const ShiftModel& shift = session_->shift();
    if (!shift.active || !chat.id || !controller_) return false;
    const std::int64_t id = *chat.id;
    if (world_.chance(0.12)) {
        if (shift.handovers.count(id)) {
            world_.trace(who(), "cancels the hand-over of chat " + std::to_string(id) + " (Ctrl-O, y)");
            key(ui::Key{ui::key::ctrl('o'), ""});
            key(ui::Key{0, "y"});
            return true;
        }
        // To a colleague by name (now and then one that is not there, or in capitals), or
        // to anyone; with a note or without.
        std::string to;
        if (world_.chance(0.5)) {
            to = "op" + std::to_string(1 + world_.pick(3));
            if (world_.chance(0.2)) to = "OP" + to.substr(2);
        }
        world_.trace(who(),
                     "hands chat " + std::to_string(id) + " over to " + (to.empty() ? "anyone" : to) + " (Ctrl-O)");
        key(ui::Key{ui::key::ctrl('o'), ""});
        type(to);
        key(ui::Key{ui::key::Enter, ""});
        if (world_.chance(0.5)) type("note from " + std::to_string(spec_.id));
        key(ui::Key{ui::key::Enter, ""});
        return true;
    }
    if (world_.chance(0.03)) {
        const bool asked = shift.support.count(id) > 0;
        world_.trace(who(), std::string(asked ? "ends the support in chat " : "asks for support in chat ") +
                                std::to_string(id) + " (Ctrl-R)");
        key(ui::Key{ui::key::ctrl('r'), ""});
        if (asked) key(ui::Key{0, "y"});
        return true;
    }
    return false;
}

void SimOperator::act(bool busy) {
    if (!session_) return;
    if (shift_act(busy)) return after();
    const auto& rings = session_->rings();
    const auto& chats = session_->chats();
    std::size_t live = std::count_if(chats.begin(), chats.end(), [](const Chat& c) { return !c.ended; });
    if (!rings.empty() && live < session_->chat_limit() && world_.chance(0.7)) {
        // F2 takes what is selected in the queue: not a hand-over or a request.
        if (controller_ && selected_offer_index(*session_, controller_->ui())) key(ui::Key{ui::key::Tab, ""});
        world_.trace(who(), "takes ring " + std::to_string(rings.front().id) + " (F2)");
        key(ui::Key{ui::key::F2, ""});
    } else if (busy && !chats.empty() && world_.chance(0.6)) {
        // A chat it can write in: one whose caller it has heard (or whose history came
        // with a hand-over), still going.
        std::vector<std::uint64_t> writable;
        for (const auto& c : chats)
            if (!c.ended && std::any_of(c.lines.begin(), c.lines.end(),
                                        [](const ChatLine& l) { return l.who == ChatLine::Who::Caller; }))
                writable.push_back(c.serial);
        if (!writable.empty()) {
            const std::uint64_t target = writable[world_.pick(writable.size())];
            if (focus(target) && controller_->typing_target() == target) {
                const Chat* chat = session_->open_chat(target);
                if (world_.chance(0.08)) {
                    world_.trace(who(), "ends chat " + std::to_string(target) + " (F8, y)");
                    key(ui::Key{ui::key::F8, ""});
                    key(ui::Key{0, "y"});
                } else if (chat && shift_chat_act(*chat)) {
                } else {
                    const std::string tag = ledger_.operator_tag(spec_.id, run_, target, next_line_++);
                    world_.trace(who(), "writes " + tag);
                    type(tag);
                    key(ui::Key{ui::key::Enter, ""});
                }
            }
        }
    }
    after();
}

void SimOperator::observe() {
    if (!session_) return;
    auto read = [this](const Chat& chat) {
        std::size_t& seen = seen_lines_[chat.serial];
        const bool handed = !chat.handed_from.empty();
        for (std::size_t i = 0; i < chat.lines.size(); ++i) {
            const ChatLine& line = chat.lines[i];
            if (i >= seen) {
                // A hand-over's history ("prior" lines) repeats what was delivered before:
                // it says whose chat it is, and counts as no delivery.
                if (line.before) ledger_.shown_history_line(spec_.id, run_, chat.serial, line.text);
                else if (line.who == ChatLine::Who::Caller)
                    ledger_.shown_caller_line(spec_.id, run_, chat.serial, line.text, spec_.max_chats > 0, handed);
                else if (line.who == ChatLine::Who::Me) ledger_.shown_own_line(spec_.id, run_, chat.serial, line.text);
                else if (line.who == ChatLine::Who::Previous)
                    ledger_.shown_previous_line(spec_.id, run_, chat.serial, line.text);
                else if (line.who == ChatLine::Who::Whisper)
                    ledger_.shown_whisper(spec_.id, chat.id.value_or(-1), line.text);
            }
            if (line.who == ChatLine::Who::Me)
                ledger_.own_line_fate(line.text, line.receipt != 0, line.fate == ChatLine::Fate::Delivered,
                                      line.fate == ChatLine::Fate::NotDelivered);
        }
        seen = chat.lines.size();
    };
    for (const auto& chat : session_->chats()) read(chat);
    for (const auto& chat : session_->past_chats()) read(chat);
}

std::vector<std::uint64_t> SimOperator::live_chats() const {
    std::vector<std::uint64_t> out;
    if (session_)
        for (const auto& c : session_->chats())
            if (!c.ended) out.push_back(c.serial);
    return out;
}

void SimOperator::after() {
    if (!session_) return;
    observe();
    // The next deadline of the session or the link, as nlchat's timers would fire.
    std::optional<double> next = session_->next_deadline(now());
    if (auto l = link_->next_deadline(); l && (!next || *l < *next)) next = l;
    const std::uint64_t gen = ++timer_generation_;
    if (!next) return;
    world_.at(*next - world_.now(), [this, gen] {
        if (gen != timer_generation_ || !session_) return;
        link_->tick(now());
        if (session_) session_->tick(now());
        after();
    });
}

}  // namespace nlchat::sim
