"""A webhook receiver for trying Chainrule out: verifies each delivery, prints each event once.

    WEBHOOK_SECRET=whsec_... .venv/bin/python scripts/webhook_receiver.py 9000

It checks the Standard Webhooks signature with the `standardwebhooks` package (a bad one gets
400), skips a webhook-id it has already processed, and answers 204.
"""

from __future__ import annotations

import json
import os
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

seen: set[str] = set()


class Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("content-length") or 0))
        headers = {k.lower(): v for k, v in self.headers.items()}
        try:
            event = Webhook(os.environ["WEBHOOK_SECRET"]).verify(body, headers)
        except WebhookVerificationError as exc:
            print(f"refused: {exc}", flush=True)
            self.send_response(400)
            self.end_headers()
            return
        if headers["webhook-id"] not in seen:
            seen.add(headers["webhook-id"])
            print(f"verified {headers['webhook-id']}: {json.dumps(event)}", flush=True)
        self.send_response(204)
        self.end_headers()

    def log_message(self, *_args: Any) -> None:
        pass


if __name__ == "__main__":
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 9000
    ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()
