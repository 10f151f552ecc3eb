"""Reading an HTML form's fields as a browser would submit them, for the load
test (bench/locustfile.py) and the loopback script (deploy/loopback/run): a save
goes through the real form, hidden fields and CSRF token included."""

from html.parser import HTMLParser


class FormParser(HTMLParser):
    """The fields a browser would submit, for each <form> of a page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms = []
        self._form = None
        self._select = None
        self._textarea = None
        self._in_template = 0  # a <template>'s fields are not submitted

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "template":
            self._in_template += 1
        elif tag == "form":
            self._form = {"action": a.get("action") or "", "method": (a.get("method") or "get").lower(),
                          "fields": []}  # fmt: skip
            self.forms.append(self._form)
        elif self._form is None or self._in_template or "disabled" in a:
            return
        elif tag == "input" and a.get("name"):
            kind = (a.get("type") or "text").lower()
            if kind in ("submit", "button", "image", "reset", "file"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            default = "on" if kind in ("checkbox", "radio") else ""
            self._form["fields"].append([a["name"], a.get("value", default)])
        elif tag == "select" and a.get("name"):
            self._select = {"name": a["name"], "multiple": "multiple" in a, "first": None, "chosen": []}
        elif tag == "option" and self._select is not None:
            value = a.get("value", "")
            if self._select["first"] is None:
                self._select["first"] = value
            if "selected" in a:
                self._select["chosen"].append(value)
        elif tag == "textarea" and a.get("name"):
            self._textarea = [a["name"], ""]

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "template":
            self._in_template = max(0, self._in_template - 1)
        elif tag == "form":
            self._form = None
        elif tag == "select" and self._select is not None and self._form is not None:
            select = self._select
            values = select["chosen"]
            if not select["multiple"]:
                # None selected: a browser sends the first option.
                values = values[-1:] or ([] if select["first"] is None else [select["first"]])
            self._form["fields"].extend([select["name"], value] for value in values)
            self._select = None
        elif tag == "textarea" and self._textarea is not None and self._form is not None:
            # A browser drops the one newline that follows <textarea>.
            self._textarea[1] = self._textarea[1].removeprefix("\r\n").removeprefix("\n")
            self._form["fields"].append(self._textarea)
            self._textarea = None


def post_form(html, field_name):
    """The fields of the POST form that has `field_name`."""
    parser = FormParser()
    parser.feed(html)
    for form in parser.forms:
        if form["method"] == "post" and any(name == field_name for name, _v in form["fields"]):
            return form["fields"]
    return None
