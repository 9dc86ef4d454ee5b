#pragma once

#include "canceltoken.h"
#include "delivery/deliveryrequest.h"
#include "delivery/deliverysettings.h"
#include "job.h"

#include <QHash>
#include <QJsonObject>
#include <QMutex>
#include <QThread>

#include <deque>
#include <functional>
#include <memory>
#include <optional>

class QNetworkAccessManager;
class QTimer;

// What became of one delivery: `record` holds the request as sent and the answer (status,
// headers, body preview, time to first byte, total time); `error` is set unless a 2xx came in time.
struct DeliveryResult
{
    std::optional<JobError> error;
    int status = 0; // 0: no answer
    QJsonObject record;
};

// Sends HTTP requests with one QNetworkAccessManager on a thread of its own: any number wait on
// the network at once, none of them holding a worker slot. At most Limits::deliveriesPerTarget are
// sent to one scheme://host:port at a time (QNetworkAccessManager's own connection limit), the
// others wait in order, so that a request's timeout counts from when it is really sent. Redirects are not followed, no
// proxy is used (the target policy checks the real target) and no cookie is sent or kept.
class DeliveryService
{
public:
    // Each request is signed with the secret the settings hold when it is sent.
    explicit DeliveryService(std::shared_ptr<const DeliverySettings> settings);
    ~DeliveryService(); // aborts what is in flight without calling back

    using Done = std::function<void(const DeliveryResult&)>;
    // Any thread. `done` runs once, on the delivery thread; when `token` stops (a cancel, the
    // job's timeout, a shutdown) the request is aborted within Limits::deliverySweepMs.
    void deliver(DeliveryRequest request, std::shared_ptr<const CancelToken> token, Done done);

private:
    struct Flight;
    // On the delivery thread:
    void enqueue(const std::shared_ptr<Flight>& flight);
    void send(const std::shared_ptr<Flight>& flight);
    void finish(const std::shared_ptr<Flight>& flight);
    void complete(const std::shared_ptr<Flight>& flight, DeliveryResult result);
    void sweep();
    void sweepWhileBusy();

    const std::shared_ptr<const DeliverySettings> m_settings;
    QMutex m_startMutex; // guards the lazy start of the thread
    QThread m_thread;
    QObject* m_context = nullptr; // lives in m_thread; parent of the manager and the sweep timer
    QNetworkAccessManager* m_manager = nullptr;
    QTimer* m_sweep = nullptr;
    // delivery thread only
    QList<std::shared_ptr<Flight>> m_flights; // sent, not yet answered
    QHash<QString, std::deque<std::shared_ptr<Flight>>> m_waiting; // by target, oldest first
    QHash<QString, int> m_sending; // by target
};
