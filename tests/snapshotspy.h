#pragma once

#include "engine.h"

#include <QList>
#include <QObject>
#include <QVariant>

// Records Engine::snapshotReady as QSignalSpy does (one argument list per signal), but on the
// test's thread. The engine emits its snapshots on its own thread, and QSignalSpy records on the
// emitting thread: its list would grow there while the test reads it here, a data race. This
// object lives on the test's thread, so each snapshot reaches it queued and is appended there.
class SnapshotSpy : public QObject, public QList<QList<QVariant>>
{
public:
    explicit SnapshotSpy(Engine* engine)
    {
        connect(engine, &Engine::snapshotReady, this,
            [this](const EngineSnapshot& snapshot) { append(QList<QVariant> { QVariant::fromValue(snapshot) }); });
    }
};
