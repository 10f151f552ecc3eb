"""Getting an export as its user does (desmigratif.exports): a small one is
the answer to its address; a large one is offered there, queued by the
offer's button (the task runs at once in tests: Q_CLUSTER sync, on commit)
and downloaded from its job."""

from urllib.parse import urlencode


def content_of(response):
    return b"".join(response.streaming_content) if response.streaming else response.content


def is_offer(response):
    return response.status_code == 200 and response["Content-Type"].startswith("text/html")


def queue_export(client, url, data=None, *, capture):
    """POST the offer's form; the answer (a redirect to the job's page)."""
    address = f"{url}?{urlencode(data)}" if data else url
    with capture(execute=True):
        return client.post(address)


def exported(client, url, data=None, *, capture):
    """The answer that carries the file: the GET itself for a small export,
    else the download of the job queued from the offer."""
    response = client.get(url, data)
    if not is_offer(response):
        return response
    queued = queue_export(client, url, data, capture=capture)
    assert queued.status_code == 302, queued
    return client.get(f"{queued['Location']}unduh/")
