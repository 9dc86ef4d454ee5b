#pragma once

#include "delivery/deliverysettings.h"
#include "sink.h"

#include <QByteArray>
#include <QJsonObject>
#include <QList>
#include <QMutex>
#include <QString>

#include <deque>
#include <map>
#include <memory>
#include <optional>

// The built-in sink: named endpoints that keep what they receive and answer as their script
// says, so deliveries can be tried with nothing else running. Thread-safe: the HTTP thread
// records, the dashboard reads. Bounded: Limits::sinkRequests per sink and Limits::sinkKeptBytes
// of bodies in all; the oldest requests go first.
class SinkStore final : public SinkReader
{
public:
    explicit SinkStore(WebhookSignature signature = {});
    // Verifies with the secret `settings` hold when each request arrives (the engine's, which the
    // dashboard may change).
    explicit SinkStore(std::shared_ptr<const DeliverySettings> settings);

    static bool isValidName(const QString& name);
    // Parses {"steps":[{"status","delay_ms","times","body"}...]}; a message on error.
    static std::optional<QList<SinkStep>> parseScript(const QJsonObject& object, QString* problem);

    // Records a request to `name` (made on first use) and returns how to answer it; nullopt
    // when Limits::maxSinks exist already and `name` is not one of them.
    std::optional<SinkStep> record(const QString& name, SinkRequest request);
    QList<SinkInfo> sinks() const override;
    std::optional<SinkInfo> info(const QString& name) const;
    QList<SinkRequest> requests(const QString& name, quint64 afterSeq = 0) const override;
    // Sets a sink's script (making the sink) and starts it from its first step. False when too
    // many sinks exist already.
    bool setScript(const QString& name, const QList<SinkStep>& script);
    bool remove(const QString& name);
    quint64 changeSeq() const override;
    bool verifiesSignatures() const { return (m_settings ? m_settings->signature() : m_signature).isEnabled(); }

private:
    struct Sink
    {
        QList<SinkStep> script;
        int step = 0; // the script's current step
        int answeredInStep = 0;
        quint64 received = 0;
        std::deque<SinkRequest> requests; // oldest first
    };
    SignatureMark check(const SinkRequest& request, qint64 nowSecs) const;
    SinkInfo infoLocked(const QString& name, const Sink& sink) const;
    void dropOldestLocked();

    const WebhookSignature m_signature; // without settings
    const std::shared_ptr<const DeliverySettings> m_settings;
    mutable QMutex m_mutex;
    std::map<QString, Sink> m_sinks;
    quint64 m_seq = 0;
    quint64 m_changeSeq = 0;
    qint64 m_keptBytes = 0;
};
