"""Shared by bench/warc_read.py and bench/warc_extract.py."""


def charset_of(content_type):
    """The charset parameter of an HTTP Content-Type, else UTF-8."""
    for part in content_type.split(";")[1:]:
        k, _, v = part.partition("=")
        if k.strip().lower() == "charset" and v.strip():
            return v.strip().strip("\"'")
    return "utf-8"
