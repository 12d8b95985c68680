# SPDX-License-Identifier: LGPL-2.1-or-later
# Sourced by scripts/test.d/50-sanitizers and 65-reliability: sanitizer_options DIR exports the
# ASAN_OPTIONS and UBSAN_OPTIONS under which any report stops the process and lands in a file in
# DIR; sanitizer_excluded_tests prints a ctest -E pattern of tests that cannot run under ASan.
sanitizer_options() {
    # halt_on_error: the first report ends the process (UBSan too, -fno-sanitize-recover);
    # detect_leaks: LeakSanitizer at every exit; verify_asan_link_order=0: pam_wrapper is
    # LD_PRELOADed ahead of the ASan runtime in the PAM tests, which is harmless.
    export ASAN_OPTIONS="detect_leaks=1:halt_on_error=1:abort_on_error=0:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1:verify_asan_link_order=0:log_path=$1/asan"
    export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:log_path=$1/ubsan"
    export LSAN_OPTIONS="log_path=$1/lsan"
    # pam_wrapper dlopens libpam with RTLD_DEEPBIND, which the sanitizer runtime refuses.
    export PAM_WRAPPER_DISABLE_DEEPBIND=1 UID_WRAPPER_DISABLE_DEEPBIND=1 NSS_WRAPPER_DISABLE_DEEPBIND=1
}

# Valgrind and AddressSanitizer cannot share a process: the valgrind runs of the PAM tests stay
# in the normal build (stage 10). pam_module_binary checks the libraries the shipped module
# needs, which a sanitizer build adds libasan and libubsan to: that too is stage 10's.
# pam_example_stacks stacks Debian's pam_unix.so, whose crypt_r call lands in ASan's
# interceptor with no real crypt_r behind it (libcrypt is dlopened after the runtime started)
# and jumps to address 0: a limitation of the sanitizer, not of this project, so it too runs in
# stage 10 only; so do pam_refused_services and pam_shared_host, which stack pam_unix the same
# way, and so does pam_record_main_password (on both stores), whose stacks put the record line
# after pam_unix; portal_http, portal_concurrency and portal_browser, whose sign-in runs the portal's PAM stack
# (pam_unix and pam_oath) inside the sanitizer build of apppass-portal (the portal's own parsing
# runs under the sanitizers in portal_wire, portal_http_parse and the fuzzers).
# integration_polkit has polkit's setuid helper load the module: the loader ignores
# LD_PRELOAD for a setuid program, so a sanitizer build of the module cannot load there;
# portal_polkit does both (the portal's sign-in, and polkit's helper confirming each change).
# ctest -E takes a regular expression that matches anywhere in a name, so every name is anchored:
# unanchored, portal_http would also drop portal_http_parse and portal_polkit portal_polkit_helper,
# which must run here. The stores' variants of a test are named one by one.
sanitizer_excluded_tests() {
    printf '^(%s)$\n' "$(printf '%s|' \
        '.*_valgrind' pam_module_binary \
        pam_example_stacks pam_example_stacks_postgresql pam_refused_services \
        pam_shared_host pam_shared_host_postgresql \
        pam_record_main_password pam_record_main_password_postgresql \
        integration_polkit integration_polkit_postgresql \
        portal_http portal_concurrency portal_browser portal_polkit | sed 's/|$//')"
}
