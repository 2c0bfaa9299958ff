"""Problems of the webhook endpoints API."""

from __future__ import annotations

from app.errors import DomainError, NotFoundError


class WebhookEndpointNotFoundError(NotFoundError):
    code, title = "webhook-endpoint-not-found", "Webhook endpoint not found"


class WebhookDeliveryNotFoundError(NotFoundError):
    code, title = "webhook-delivery-not-found", "Webhook delivery not found"


class InvalidWebhookUrlError(DomainError):
    status, code, title = 422, "invalid-webhook-url", "The webhook URL cannot be used"


class WebhookEndpointDisabledError(DomainError):
    status, code, title = 409, "webhook-endpoint-disabled", "The webhook endpoint is disabled"
