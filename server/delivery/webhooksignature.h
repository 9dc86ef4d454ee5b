#pragma once

#include <QByteArray>
#include <QString>

// Standard Webhooks signatures (https://www.standardwebhooks.com/): the headers webhook-id,
// webhook-timestamp and webhook-signature "v1,<base64 HMAC-SHA256 of id.timestamp.body>", with a
// secret written "whsec_<base64 key>".
class WebhookSignature
{
public:
    WebhookSignature() = default; // no secret: nothing is signed
    // Why `secret` is not of the form whsec_<base64 of at least 1 byte>; empty when it is.
    static QString checkSecret(const QString& secret);
    explicit WebhookSignature(const QString& secret); // checked with checkSecret() first

    bool isEnabled() const { return !m_key.isEmpty(); }
    // "v1,<base64>" for the message `id`, sent at `timestamp` (seconds since the epoch).
    QByteArray sign(const QByteArray& id, qint64 timestamp, const QByteArray& body) const;
    // True when one of the space-separated signatures in `header` is ours for this message.
    bool verify(
        const QByteArray& id, const QByteArray& timestamp, const QByteArray& body, const QByteArray& header) const;

private:
    QByteArray m_key;
};
