# SPDX-License-Identifier: LGPL-2.1-or-later
"""The interface the daemon serves is the one docs/dbus-api.md documents, argument by argument."""
import os
import re
import xml.etree.ElementTree as ET

import testenv

INTERFACE = "org.apppass.AppPass1.Manager"


def methods_of(interface_element):
    return {
        m.get("name"): [(a.get("name"), a.get("type"), a.get("direction", "in")) for a in m.findall("arg")]
        for m in interface_element.findall("method")
    }


def documented_methods():
    with open(os.path.join(testenv.SOURCE_DIR, "docs", "dbus-api.md")) as f:
        text = f.read()
    xml = re.search(r"```xml\n(.*?)```", text, re.S).group(1)
    return methods_of(ET.fromstring(xml))


def test_introspection_matches_the_documentation(client):
    root = ET.fromstring(client.introspect())
    served = [i for i in root.findall("interface") if i.get("name") == INTERFACE]
    assert len(served) == 1
    assert methods_of(served[0]) == documented_methods()
    assert set(documented_methods()) == {"CreatePassword", "ListPasswords", "DeletePassword",
                                          "DeleteAllPasswords", "VerifyPassword", "PurgeOrphans",
                                          "ListRevoked", "DeleteRevoked", "DeleteAllRevoked",
                                          "RenamePassword", "RotatePassword", "ListUsers",
                                          "RevokeAllPasswords", "RecordMainPasswordLogin",
                                          "MainPasswordReport"}
    assert served[0].findall("property") == [] and served[0].findall("signal") == []
