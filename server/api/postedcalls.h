#pragma once

#include <QList>
#include <QMutex>
#include <QObject>

#include <functional>
#include <memory>

// Runs functions on one QObject's thread, posted from any thread, many with a single event.
// The store calls its commit callbacks a batch at a time on its writer thread; this turns a
// batch into one wake-up of the HTTP thread instead of one per job.
class PostedCalls : public std::enable_shared_from_this<PostedCalls>
{
public:
    explicit PostedCalls(QObject* context);

    void post(std::function<void()> call); // any thread
    void close(); // on the context's thread, before it goes: later posts are dropped

private:
    void runAll();

    QMutex m_mutex;
    QObject* m_context; // guarded by m_mutex; null once closed
    QList<std::function<void()>> m_calls;
    bool m_scheduled = false;
};
