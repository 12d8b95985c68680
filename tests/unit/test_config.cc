// SPDX-License-Identifier: LGPL-2.1-or-later

#include "config.hh"

#include <filesystem>
#include <fstream>

#include "temp_dir.hh"

#include "cmocka_cxx.hh"  // last: cmocka's macros clash with C++ headers

using namespace apppass::daemon;

static std::string problem(const char* text) {
    auto c = parse_config(text, "apppassd.conf");
    assert_false(c.ok());
    return c.error().message;
}

static void defaults(void**) {
    auto c = parse_config("", "x");
    assert_true(c.ok());
    assert_int_equal(c.value().max_per_user, 40);
    assert_int_equal(c.value().max_tombstones_per_user, 200);
    assert_true(c.value().allowed_groups.empty());
    assert_true(c.value().denied_groups.empty());
    assert_true(c.value().verify_group.empty());
    assert_true(c.value().throttle.enabled);
    assert_int_equal(c.value().throttle.user_failures, 3);
    assert_int_equal(c.value().throttle.host_failures, 10);
    assert_int_equal(c.value().throttle.delay_initial.count(), 2);
    assert_int_equal(c.value().throttle.delay_max.count(), 15);
    assert_int_equal(c.value().throttle.forget_after.count(), 900);
    assert_int_equal(c.value().throttle.decay.count(), 60);
    assert_int_equal(c.value().throttle.ipv6_prefix, 64);
    assert_int_equal(c.value().user_writes.burst, 20);
    assert_int_equal(c.value().user_writes.per_minute, 60);
}

static void every_key(void**) {
    auto c = parse_config("# comment\n"
                          "\n"
                          "  max_per_user = 5  \n"
                          "allowed_groups = mail, staff users\n"
                          "denied_groups=sudo\n"
                          "verify_group = dovecot\n"
                          "throttle = no\n"
                          "throttle_user_failures = 0\n"
                          "throttle_host_failures = 50\n"
                          "throttle_delay_initial = 1\n"
                          "throttle_delay_max = 60\n"
                          "throttle_forget_after = 120\r\n"
                          "throttle_decay = 30\n"
                          "throttle_ipv6_prefix = 56\n"
                          "user_write_burst = 3\n"
                          "user_writes_per_minute = 0\n",
                          "x");
    assert_true(c.ok());
    const Config& v = c.value();
    assert_int_equal(v.max_per_user, 5);
    assert_int_equal(v.allowed_groups.size(), 3);
    assert_text_equal(v.allowed_groups[0], "mail");
    assert_text_equal(v.allowed_groups[2], "users");
    assert_int_equal(v.denied_groups.size(), 1);
    assert_text_equal(v.verify_group, "dovecot");
    assert_false(v.throttle.enabled);
    assert_int_equal(v.throttle.user_failures, 0);
    assert_int_equal(v.throttle.host_failures, 50);
    assert_int_equal(v.throttle.delay_initial.count(), 1);
    assert_int_equal(v.throttle.delay_max.count(), 60);
    assert_int_equal(v.throttle.forget_after.count(), 120);
    assert_int_equal(v.throttle.decay.count(), 30);
    assert_int_equal(v.throttle.ipv6_prefix, 56);
    assert_int_equal(v.user_writes.burst, 3);
    assert_int_equal(v.user_writes.per_minute, 0);
}

static void errors_name_file_and_line(void**) {
    assert_text_equal(problem("max_per_user = 4\nmax_per_users = 5\n"),
                      "apppassd.conf:2: unknown key \"max_per_users\"");
    assert_text_equal(problem("# a\n\nmax_per_user\n"), "apppassd.conf:3: expected \"key = value\"");
    assert_text_equal(problem("max_per_user = 4\nmax_per_user = 5\n"), "apppassd.conf:2: \"max_per_user\" is set twice");
    assert_text_equal(problem("max_per_user = 0\n"), "apppassd.conf:1: max_per_user must be a whole number from 1 to 10000");
    assert_text_equal(problem("max_per_user = 40 # forty\n"), "apppassd.conf:1: max_per_user must be a whole number from 1 to 10000");
    assert_text_equal(problem("max_per_user = -1\n"), "apppassd.conf:1: max_per_user must be a whole number from 1 to 10000");
    assert_text_equal(problem("max_per_user = 99999999999999999999\n"), "apppassd.conf:1: max_per_user must be a whole number from 1 to 10000");
    assert_text_equal(problem("max_tombstones_per_user = 0\n"),
                      "apppassd.conf:1: max_tombstones_per_user must be a whole number from 1 to 100000");
    assert_int_equal(parse_config("max_tombstones_per_user = 7\n", "x").value().max_tombstones_per_user, 7);
    assert_text_equal(problem("throttle = maybe\n"), "apppassd.conf:1: throttle must be yes or no");
    assert_text_equal(problem("verify_group = a b\n"), "apppassd.conf:1: verify_group names one group only");
    assert_text_equal(problem("denied_groups = ok -bad\n"), "apppassd.conf:1: denied_groups \"-bad\" is not a valid group name");
    assert_text_equal(problem("throttle_delay_initial = 0\n"),
                      "apppassd.conf:1: throttle_delay_initial must be a whole number from 1 to 3600 (seconds)");
    assert_text_equal(problem("throttle_delay_initial = 20\nthrottle_delay_max = 10\n"),
                      "apppassd.conf: throttle_delay_max is smaller than throttle_delay_initial");
    assert_text_equal(problem(" = 3\n"), "apppassd.conf:1: unknown key \"\"");
}

// Re-authentication through polkit, and how users hear of changes.
static void polkit_and_notify(void**) {
    auto defaults = parse_config("", "x");
    assert_true(defaults.value().polkit);
    assert_true(defaults.value().notify.mode == NotifyMode::Mail);
    assert_text_equal(defaults.value().notify.sendmail, "/usr/sbin/sendmail");
    assert_true(defaults.value().notify.command.empty());
    assert_int_equal(defaults.value().notify.timeout.count(), 30);

    auto set = parse_config("polkit = no\nnotify = command\nnotify_command = /usr/local/bin/tell\n"
                            "notify_sendmail = /usr/lib/sendmail\nnotify_timeout = 5\n", "x");
    assert_true(set.ok());
    assert_false(set.value().polkit);
    assert_true(set.value().notify.mode == NotifyMode::Command);
    assert_text_equal(set.value().notify.command, "/usr/local/bin/tell");
    assert_text_equal(set.value().notify.sendmail, "/usr/lib/sendmail");
    assert_int_equal(set.value().notify.timeout.count(), 5);
    assert_true(parse_config("notify = no\n", "x").value().notify.mode == NotifyMode::No);

    assert_text_equal(problem("polkit = perhaps\n"), "apppassd.conf:1: polkit must be yes or no");
    assert_text_equal(problem("notify = sms\n"), "apppassd.conf:1: notify must be mail, command or no");
    assert_text_equal(problem("notify = command\n"),
                      "apppassd.conf: notify = command needs notify_command = PROGRAM");
    assert_text_equal(problem("notify_command = tell\n"),
                      "apppassd.conf:1: notify_command must be the absolute path of a program, without arguments");
    assert_text_equal(problem("notify_sendmail = /usr/sbin/sendmail -t\n"),
                      "apppassd.conf:1: notify_sendmail must be the absolute path of a program, without arguments");
    assert_text_equal(problem("notify_timeout = 0\n"),
                      "apppassd.conf:1: notify_timeout must be a whole number from 1 to 600 (seconds)");
}

static void direct_socket_path(void**) {
    assert_text_equal(parse_config("", "x").value().direct_socket, "/run/apppass/io.socket");
    assert_true(parse_config("direct_socket = no\n", "x").value().direct_socket.empty());
    assert_text_equal(parse_config("direct_socket = /run/x/y.sock\n", "x").value().direct_socket, "/run/x/y.sock");
    const std::string bad = "apppassd.conf:1: direct_socket must be an absolute path of at most 107 bytes naming a file, or no";
    assert_text_equal(problem("direct_socket = run/io.socket\n"), bad);
    assert_text_equal(problem("direct_socket =\n"), bad);
    assert_text_equal(problem("direct_socket = /run/apppass/\n"), bad);
    assert_text_equal(problem(("direct_socket = /" + std::string(107, 'a') + "\n").c_str()), bad);
    assert_text_equal(parse_config("direct_socket = /" + std::string(106, 'a') + "\n", "x").value().direct_socket,
                      "/" + std::string(106, 'a'));
    assert_text_equal(problem("direct_socket = /run/a\tb\n"),
                      "apppassd.conf:1: direct_socket must not contain control characters");
    assert_int_equal(parse_config("", "x").value().direct_socket_idle_timeout.count(), 10);
    assert_int_equal(parse_config("direct_socket_idle_timeout = 600\n", "x").value().direct_socket_idle_timeout.count(), 600);
    assert_text_equal(problem("direct_socket_idle_timeout = 0\n"),
                      "apppassd.conf:1: direct_socket_idle_timeout must be a whole number from 1 to 600 (seconds)");
}

static void store_choice(void**) {
    auto defaults = parse_config("", "x");
    assert_true(defaults.value().store == StoreKind::Sqlite);
    auto pg = parse_config("store = postgresql\npostgresql = service=apppass password=Sekrit\n", "x");
    assert_true(pg.value().store == StoreKind::Postgresql);
    assert_text_equal(pg.value().postgresql, "service=apppass password=Sekrit");
    assert_text_equal(problem("store = mysql\n"), "apppassd.conf:1: store must be sqlite or postgresql");
    assert_text_equal(problem("store = postgresql\n"),
                      "apppassd.conf: store = postgresql needs postgresql = CONNECTION "
                      "(a libpq connection string such as service=apppass)");
    assert_text_equal(problem("postgresql = password=Sekrit\n"),
                      "apppassd.conf: postgresql is set, but store is sqlite; set store = postgresql "
                      "or remove the postgresql line");
    assert_text_equal(problem("store = postgresql\npostgresql =\n"),
                      "apppassd.conf:2: postgresql is empty; give a libpq connection string such as service=apppass");
    // A connection string is never repeated in a message.
    assert_text_equal(problem("postgresql = password=Sekrit\npostgresql = password=Sekrit\n"),
                      "apppassd.conf:2: \"postgresql\" is set twice");
}

static void missing_file(void**) {
    auto defaults = load_config("/nonexistent/apppassd.conf", true);
    assert_true(defaults.ok());
    auto required = load_config("/nonexistent/apppassd.conf", false);
    assert_false(required.ok());
    assert_text_equal(required.error().message,
                      "cannot read configuration file /nonexistent/apppassd.conf: No such file or directory");
}

static void write_file(const std::string& path, const std::string& text) {
    std::ofstream(path, std::ios::binary) << text;
}

// The main file, then apppassd.conf.d/*.conf in byte order of the names; a later file wins.
static void dropins_in_lexical_order_later_wins(void**) {
    TempDir dir;
    const std::string main_file = dir.file("apppassd.conf");
    write_file(main_file, "max_per_user = 5\nthrottle_delay_max = 60\n");
    assert_text_equal(dropin_directory(main_file), dir.file("apppassd.conf.d"));
    std::filesystem::create_directory(dir.file("apppassd.conf.d"));
    write_file(dir.file("apppassd.conf.d/20-limit.conf"), "max_per_user = 7\ndenied_groups = sudo\n");
    write_file(dir.file("apppassd.conf.d/10-limit.conf"), "max_per_user = 6\nverify_group = mail\n");
    write_file(dir.file("apppassd.conf.d/Z-upper.conf"), "throttle_delay_initial = 3\n");  // 'Z' < 'a'
    write_file(dir.file("apppassd.conf.d/a-last.conf"), "throttle_delay_initial = 4\n");
    // not drop-ins: other suffixes, hidden files, directories
    write_file(dir.file("apppassd.conf.d/30-limit.conf.dpkg-old"), "max_per_user = 99\n");
    write_file(dir.file("apppassd.conf.d/.40-hidden.conf"), "max_per_user = 98\n");
    write_file(dir.file("apppassd.conf.d/50-junk.conf~"), "nonsense\n");
    auto c = load_config(main_file, false);
    assert_true(c.ok());
    assert_int_equal(c.value().max_per_user, 7);
    assert_text_equal(c.value().verify_group, "mail");
    assert_int_equal(c.value().denied_groups.size(), 1);
    assert_int_equal(c.value().throttle.delay_initial.count(), 4);
    assert_int_equal(c.value().throttle.delay_max.count(), 60);
}

static void dropin_errors_name_the_dropin(void**) {
    TempDir dir;
    const std::string main_file = dir.file("apppassd.conf");
    std::filesystem::create_directory(dir.file("apppassd.conf.d"));
    // a key once in each file is fine; twice in one drop-in is not
    write_file(main_file, "max_per_user = 5\n");
    write_file(dir.file("apppassd.conf.d/10-a.conf"), "# limit\nmax_per_user = 6\nmax_per_user = 7\n");
    auto twice = load_config(main_file, false);
    assert_false(twice.ok());
    assert_text_equal(twice.error().message, dir.file("apppassd.conf.d/10-a.conf") + ":3: \"max_per_user\" is set twice");
    write_file(dir.file("apppassd.conf.d/10-a.conf"), "max_per_user = many\n");
    auto bad = load_config(main_file, false);
    assert_false(bad.ok());
    assert_text_equal(bad.error().message, dir.file("apppassd.conf.d/10-a.conf") +
                                               ":1: max_per_user must be a whole number from 1 to 10000");
}

// The checks that span keys see all files: a drop-in may complete the main file, and the
// error of an incomplete whole names both places.
static void checks_span_the_dropins(void**) {
    TempDir dir;
    const std::string main_file = dir.file("apppassd.conf");
    std::filesystem::create_directory(dir.file("apppassd.conf.d"));
    write_file(main_file, "store = postgresql\n");
    write_file(dir.file("apppassd.conf.d/db.conf"), "postgresql = service=apppass\n");
    auto c = load_config(main_file, false);
    assert_true(c.ok());
    assert_text_equal(c.value().postgresql, "service=apppass");
    write_file(dir.file("apppassd.conf.d/db.conf"), "throttle_delay_initial = 30\n");
    auto incomplete = load_config(main_file, false);
    assert_false(incomplete.ok());
    assert_text_equal(incomplete.error().message,
                      main_file + " with " + dir.file("apppassd.conf.d") + "/*.conf: store = postgresql needs "
                      "postgresql = CONNECTION (a libpq connection string such as service=apppass)");
    // without the main file (it may be missing), the drop-ins alone
    std::filesystem::remove(main_file);
    write_file(dir.file("apppassd.conf.d/db.conf"), "max_per_user = 3\n");
    auto only_dropins = load_config(main_file, true);
    assert_true(only_dropins.ok());
    assert_int_equal(only_dropins.value().max_per_user, 3);
}

static void reload_keeps_the_store(void**) {
    Config current;
    Config next = current;
    next.max_per_user = 3;
    next.denied_groups = {"sudo"};
    assert_true(reload_problem(current, next).empty());
    next.store = StoreKind::Postgresql;
    next.postgresql = "service=apppass";
    assert_text_equal(reload_problem(current, next),
                      "the store settings (store, postgresql) changed; they take effect only when apppassd "
                      "starts: restart it");
    current = next;
    next.postgresql = "service=other";
    assert_false(reload_problem(current, next).empty());
    const std::string later = "the polkit or notify settings changed; they take effect only when "
                              "apppassd starts: restart it";
    current = next;
    next.polkit = !next.polkit;
    assert_text_equal(reload_problem(current, next), later);
    next = current;
    next.notify.timeout = std::chrono::seconds(5);
    assert_text_equal(reload_problem(current, next), later);
}

int main() {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(defaults), cmocka_unit_test(every_key), cmocka_unit_test(errors_name_file_and_line),
        cmocka_unit_test(missing_file), cmocka_unit_test(store_choice), cmocka_unit_test(polkit_and_notify),
        cmocka_unit_test(dropins_in_lexical_order_later_wins), cmocka_unit_test(dropin_errors_name_the_dropin),
        cmocka_unit_test(checks_span_the_dropins), cmocka_unit_test(reload_keeps_the_store),
        cmocka_unit_test(direct_socket_path),
    };
    return cmocka_run_group_tests_name("config", tests, nullptr, nullptr);
}
