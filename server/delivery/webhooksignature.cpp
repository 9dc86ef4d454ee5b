#include "webhooksignature.h"

#include <QList>
#include <QMessageAuthenticationCode>

namespace {
constexpr QLatin1StringView secretPrefix("whsec_");

QByteArray keyOf(const QString& secret)
{
    if (!secret.startsWith(secretPrefix))
        return {};
    const auto decoded = QByteArray::fromBase64Encoding(
        secret.mid(secretPrefix.size()).toLatin1(), QByteArray::AbortOnBase64DecodingErrors);
    return decoded ? *decoded : QByteArray();
}

QByteArray signatureOf(const QByteArray& key, const QByteArray& id, const QByteArray& timestamp, const QByteArray& body)
{
    QMessageAuthenticationCode mac(QCryptographicHash::Sha256, key);
    mac.addData(id);
    mac.addData(".");
    mac.addData(timestamp);
    mac.addData(".");
    mac.addData(body);
    return "v1," + mac.result().toBase64();
}
} // namespace

QString WebhookSignature::checkSecret(const QString& secret)
{
    if (keyOf(secret).isEmpty())
        return QStringLiteral("the webhook secret must be whsec_ followed by a base64 key, e.g. whsec_%1")
            .arg(QLatin1StringView(QByteArray(24, 'k').toBase64()));
    return {};
}

WebhookSignature::WebhookSignature(const QString& secret)
    : m_key(keyOf(secret))
{ }

QByteArray WebhookSignature::sign(const QByteArray& id, qint64 timestamp, const QByteArray& body) const
{
    return signatureOf(m_key, id, QByteArray::number(timestamp), body);
}

bool WebhookSignature::verify(
    const QByteArray& id, const QByteArray& timestamp, const QByteArray& body, const QByteArray& header) const
{
    if (!isEnabled())
        return false;
    const QByteArray expected = signatureOf(m_key, id, timestamp, body);
    bool match = false;
    // Every candidate is compared in full, so the time taken says nothing of how much matched.
    for (const QByteArray& candidate : header.split(' ')) {
        if (candidate.size() != expected.size())
            continue;
        int diff = 0;
        for (qsizetype i = 0; i < expected.size(); ++i)
            diff |= candidate[i] ^ expected[i];
        match |= diff == 0;
    }
    return match;
}
