#pragma once

#include <QObject>
#include <QPointer>
#include <QtConcurrent/QtConcurrentRun>
#include <QThread>
#include <QThreadPool>

#include <memory>
#include <type_traits>
#include <utility>

// Runs a slow engine call on the UI's own pool and hands its result to `done` on the context's
// (GUI) thread, but only if no newer run() or cancel() happened meanwhile: a late answer to an
// old query is dropped instead of overwriting newer data.
class BackgroundTask
{
public:
    BackgroundTask(QThreadPool* pool, QObject* context)
        : m_pool(pool)
        , m_context(context)
    { }

    template <typename Work, typename Done> void run(Work work, Done done)
    {
        using Result = std::invoke_result_t<Work>;
        const quint64 generation = ++m_state->generation;
        ++m_state->pending;
        // The continuation holds the state by shared_ptr; it does not run once the context is gone.
        QtConcurrent::run(m_pool, std::move(work))
            .then(m_context.data(), [generation, state = m_state, done = std::move(done)](Result result) {
                --state->pending;
                if (generation == state->generation)
                    done(std::move(result));
            });
    }

    // Results of runs started before this call are dropped.
    void cancel() { ++m_state->generation; }
    bool isBusy() const { return m_state->pending > 0; }

private:
    struct State
    {
        quint64 generation = 0;
        int pending = 0;
    };

    // set at construction, immutable
    QThreadPool* m_pool;
    QPointer<QObject> m_context;
    // GUI thread only (touched by run(), cancel() and the continuations on the context's thread)
    std::shared_ptr<State> m_state = std::make_shared<State>();
};
