# SPDX-License-Identifier: LGPL-2.1-or-later
"""A browser's part of the portal's HTTP conversation, for tests: cookies, the hidden CSRF
token of the last page, and the forms posted as a browser posts them."""

import html
import http.client
import re
import urllib.parse


class Page:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    def header(self, name):
        return self.headers.get(name.lower())

    @property
    def csrf(self):
        m = re.search(r'name="csrf" value="([^"]*)"', self.body)
        return html.unescape(m.group(1)) if m else None

    @property
    def alert(self):
        m = re.search(r'role="alert"[^>]*>([^<]*)<', self.body)
        return html.unescape(m.group(1)) if m else None

    @property
    def label(self):
        m = re.search(r'<label for="answer">([^<]*)</label>', self.body)
        return html.unescape(m.group(1)) if m else None

    def __repr__(self):
        return "<Page %d %s>" % (self.status, self.body[:2000])


class PortalClient:
    def __init__(self, port, forwarded_for=None, source=None):
        self.port = port
        self.source = source  # the local address to connect from (127.0.0.0/8 is all loopback)
        self.cookies = {}
        self.forwarded_for = forwarded_for
        self.set_cookie_lines = []

    def request(self, method, path, fields=None, headers=None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120,
                                                source_address=(self.source, 0) if self.source else None)
        all_headers = dict(headers or {})
        if self.cookies:
            all_headers["Cookie"] = "; ".join("%s=%s" % kv for kv in self.cookies.items())
        if self.forwarded_for:
            all_headers["X-Forwarded-For"] = self.forwarded_for
        body = None
        if fields is not None:
            body = urllib.parse.urlencode(fields)
            all_headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body=body, headers=all_headers)
        response = connection.getresponse()
        text = response.read().decode()
        headers_out = {}
        for name, value in response.getheaders():
            headers_out.setdefault(name.lower(), value)
            if name.lower() == "set-cookie":
                self.set_cookie_lines.append(value)
                cookie_name, _, rest = value.partition("=")
                cookie_value = rest.split(";", 1)[0]
                if "Max-Age=0" in value:
                    self.cookies.pop(cookie_name, None)
                else:
                    self.cookies[cookie_name] = cookie_value
        connection.close()
        return Page(response.status, headers_out, text)

    def get(self, path):
        return self.request("GET", path)

    def post(self, path, fields):
        return self.request("POST", path, fields)

    def sign_in(self, user, *answers):
        """Starts a sign-in and gives ANSWERS to the prompts in order; returns the last page
        (a 303 to / on success) and the list of prompt labels seen."""
        page = self.get("/signin")
        page = self.post("/signin", {"csrf": page.csrf, "user": user})
        labels = []
        for answer in answers:
            if page.status != 200 or page.label is None:
                break
            labels.append(page.label)
            page = self.post("/signin/answer", {"csrf": page.csrf, "answer": answer})
        return page, labels
