#pragma once

#include "engine.h"
#include "server.h"

#include <QString>
#include <QStringList>

#include <optional>

// Everything the command line decides (README.md, "Command line", lists each flag).
struct Options
{
    bool headless = false;
    ServerConfig server;
    EngineConfig engine;
    QString dbPath; // empty: the default file in the app data directory
    bool inMemory = false;
    bool syncFull = false;
    int keepFinished = 0;
};

// Parses the arguments of `app` (a QCoreApplication or QApplication). Exits the process for
// --help and --version; prints a clear message and returns nullopt for bad input.
std::optional<Options> parseOptions(const QStringList& arguments);
QString defaultDatabasePath();
