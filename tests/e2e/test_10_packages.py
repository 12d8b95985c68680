# SPDX-License-Identifier: LGPL-2.1-or-later
# The built .debs: what goes where, nothing that enables app passwords on its own, hardening.
# (lintian and blhc run in scripts/test.d/70-debian-e2e before the packages are installed.)
import os
import pathlib

import pytest

from e2e_support import run

MULTIARCH = run("dpkg-architecture", "-qDEB_HOST_MULTIARCH").stdout.strip()
SOURCE = pathlib.Path(__file__).resolve().parents[2]


def deb(deb_dir, package):
    (path,) = deb_dir.glob(f"{package}_*.deb")
    return path


def contents(deb_dir, package):
    listing = run("dpkg-deb", "--contents", str(deb(deb_dir, package))).stdout
    return {line.split()[5].removeprefix(".") for line in listing.splitlines()}


def control_file(deb_dir, package, name):
    result = run("dpkg-deb", "--info", str(deb(deb_dir, package)), name, check=False)
    return result.stdout if result.returncode == 0 else None


def test_libpam_apppass_has_the_module_in_the_multiarch_pam_directory_and_the_examples(deb_dir):
    files = contents(deb_dir, "libpam-apppass")
    assert f"/lib/{MULTIARCH}/security/pam_apppass.so" in files
    assert "/usr/share/man/man8/pam_apppass.8.gz" in files
    assert "/usr/share/doc/libpam-apppass/pam-stacks.md.gz" in files
    examples = sorted(p.name for p in (SOURCE / "pam_apppass" / "data" / "examples").iterdir())
    assert "dovecot-app-passwords-only" in examples and "sshd-app-passwords-for-group" in examples
    for name in examples:
        assert f"/usr/share/doc/libpam-apppass/examples/{name}" in files


def test_apppassd_has_daemon_bus_files_unit_conffile_and_man_page(deb_dir):
    files = contents(deb_dir, "apppassd")
    for path in ("/usr/sbin/apppassd",
                 "/usr/share/dbus-1/system.d/org.apppass.AppPass1.conf",
                 "/usr/share/dbus-1/system-services/org.apppass.AppPass1.service",
                 "/lib/systemd/system/apppassd.service",
                 "/etc/apppass/apppassd.conf",
                 "/usr/lib/systemd/catalog/apppass.catalog",
                 "/usr/share/man/man8/apppassd.8.gz",
                 "/usr/share/polkit-1/actions/org.apppass.AppPass1.policy",
                 "/usr/lib/sysusers.d/apppassd.conf",
                 "/usr/lib/tmpfiles.d/apppassd.conf",
                 "/usr/share/doc/apppassd/dbus-api.md.gz"):
        assert path in files
    assert control_file(deb_dir, "apppassd", "conffiles") == "/etc/apppass/apppassd.conf\n"
    # dh_installsystemd wrote the unit's maintainer script snippets.
    assert "deb-systemd-helper" in control_file(deb_dir, "apppassd", "postinst")
    assert "deb-systemd-helper purge 'apppassd.service'" in control_file(deb_dir, "apppassd", "postrm")


def test_bus_activation_goes_through_the_alias_that_enabling_the_unit_makes():
    """`systemctl disable apppassd` removes the alias, and with it D-Bus activation."""
    activation = pathlib.Path("/usr/share/dbus-1/system-services/org.apppass.AppPass1.service")
    assert "SystemdService=dbus-org.apppass.AppPass1.service\n" in activation.read_text()
    unit = pathlib.Path("/lib/systemd/system/apppassd.service").read_text()
    assert "\nAlias=dbus-org.apppass.AppPass1.service\n" in unit
    assert os.readlink("/etc/systemd/system/dbus-org.apppass.AppPass1.service") == \
        "/lib/systemd/system/apppassd.service"
    # and the unit reloads with SIGHUP and is watched
    assert "\nExecReload=/bin/kill -HUP $MAINPID\n" in unit
    assert "\nWatchdogSec=30s\n" in unit


def test_apppass_has_the_tool_its_man_page_and_completion(deb_dir):
    files = contents(deb_dir, "apppass")
    for path in ("/usr/bin/apppass", "/usr/share/man/man1/apppass.1.gz",
                 "/usr/share/bash-completion/completions/apppass"):
        assert path in files


@pytest.mark.parametrize("package", ["libpam-apppass", "apppassd", "apppass"])
def test_no_package_puts_app_passwords_into_pam_stacks_by_itself(deb_dir, package):
    files = contents(deb_dir, package)
    assert not [f for f in files if f.startswith("/etc/pam.d")]
    # The one pam-auth-update profile is the opt-in revocation (Default: no), and the only calls
    # are the two that respect what the administrator chose: --package, and removing it.
    profiles = [f for f in files if f.startswith("/usr/share/pam-configs/") and not f.endswith("/")]
    calls = set()
    for script in ("preinst", "postinst", "prerm", "postrm"):
        text = control_file(deb_dir, package, script) or ""
        calls |= {line.strip() for line in text.splitlines()
                  if line.strip().startswith("pam-auth-update")}
    if package == "libpam-apppass":
        assert profiles == ["/usr/share/pam-configs/apppass-revoke"]
        assert calls == {"pam-auth-update --package",
                         "pam-auth-update --package --remove apppass-revoke"}
    else:
        assert profiles == [] and calls == set()


def test_after_installation_no_pam_stack_names_the_module():
    def uses_the_module(path):
        return any("pam_apppass" in line for line in path.read_text(errors="replace").splitlines()
                   if not line.lstrip().startswith("#"))
    named = [str(p) for p in pathlib.Path("/etc/pam.d").iterdir() if p.is_file() and uses_the_module(p)]
    assert named == []


@pytest.mark.parametrize("package,binary", [("libpam-apppass", f"lib/{MULTIARCH}/security/pam_apppass.so"),
                                            ("apppassd", "usr/sbin/apppassd"),
                                            ("apppass", "usr/bin/apppass")])
def test_binaries_are_hardened(deb_dir, tmp_path, package, binary):
    run("dpkg-deb", "--extract", str(deb(deb_dir, package)), str(tmp_path))
    path = str(tmp_path / binary)
    dynamic = run("readelf", "--wide", "--dynamic", path).stdout
    headers = run("readelf", "--wide", "--program-headers", path).stdout
    symbols = run("readelf", "--wide", "--dyn-syms", path).stdout
    assert "GNU_RELRO" in headers                      # relro
    assert "BIND_NOW" in dynamic                       # bindnow
    assert "__stack_chk_fail" in symbols               # stack protector
    assert "GNU_STACK" in headers and " RWE " not in headers
    if not binary.endswith(".so"):
        assert "PIE" in dynamic                        # position-independent executable
