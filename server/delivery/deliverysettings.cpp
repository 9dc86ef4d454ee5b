#include "deliverysettings.h"

DeliverySettings::DeliverySettings(const QStringList& allowedTargets, const QString& secret)
    : m_policy(allowedTargets)
    , m_signature(secret.isEmpty() ? WebhookSignature() : WebhookSignature(secret))
    , m_secret(secret)
{ }

TargetPolicy DeliverySettings::policy() const
{
    QMutexLocker lock(&m_mutex);
    return m_policy;
}

WebhookSignature DeliverySettings::signature() const
{
    QMutexLocker lock(&m_mutex);
    return m_signature;
}

QStringList DeliverySettings::allowedTargets() const
{
    QMutexLocker lock(&m_mutex);
    return m_policy.allowed();
}

QString DeliverySettings::secret() const
{
    QMutexLocker lock(&m_mutex);
    return m_secret;
}

void DeliverySettings::setAllowedTargets(const QStringList& allowed)
{
    TargetPolicy policy(allowed); // parsed outside the lock
    QMutexLocker lock(&m_mutex);
    m_policy = std::move(policy);
}

void DeliverySettings::setSecret(const QString& secret)
{
    WebhookSignature signature = secret.isEmpty() ? WebhookSignature() : WebhookSignature(secret);
    QMutexLocker lock(&m_mutex);
    m_signature = std::move(signature);
    m_secret = secret;
}
