#include "jobstores.h"
#include "lagprobe.h"
#include "mainwindow.h"
#include "options.h"
#include "screenshothook.h"
#include "server.h"
#include "signalwatcher.h"

#include <QApplication>
#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>

#include <cstdio>
#include <memory>

namespace {

std::unique_ptr<JobStore> makeStore(const Options& options)
{
    const int keep = options.keepFinished;
    if (options.inMemory)
        return makeMemoryJobStore(keep);
    const QString path = options.dbPath.isEmpty() ? defaultDatabasePath() : options.dbPath;
    QDir().mkpath(QFileInfo(path).absolutePath());
    return makeSqliteJobStore(path, options.syncFull ? StoreSync::Full : StoreSync::Normal, keep);
}

int fail(const QString& message)
{
    std::fprintf(stderr, "queuelab: %s\n", qPrintable(message));
    return 1;
}

} // namespace

int main(int argc, char* argv[])
{
    // The window needs a QApplication; the headless server, --help and --version must not
    // (there may be no display).
    bool headless = false;
    for (int i = 1; i < argc; ++i) {
        for (const char* flag : { "--headless", "--help", "-h", "--help-all", "--version", "-v" })
            headless = headless || qstrcmp(argv[i], flag) == 0;
    }
    std::unique_ptr<QCoreApplication> app
        = headless ? std::make_unique<QCoreApplication>(argc, argv) : std::make_unique<QApplication>(argc, argv);
    QCoreApplication::setOrganizationName(QStringLiteral("QueueLab"));
    QCoreApplication::setApplicationName(QStringLiteral("queuelab"));
    QCoreApplication::setApplicationVersion(QStringLiteral(QUEUELAB_VERSION));

    const auto options = parseOptions(QCoreApplication::arguments());
    if (!options)
        return 2;

    Engine engine(options->engine, makeStore(*options));
    QString error;
    if (!engine.open(&error))
        return fail(error);
    Server server(options->server, &engine);
    if (!server.start(&error))
        return fail(error);
    std::printf("listening on %s\n", qPrintable(server.url().toString()));
    if (!server.faktoryAddress().isEmpty())
        std::printf("faktory listening on %s\n", qPrintable(server.faktoryAddress()));
    std::fflush(stdout);

    // SIGINT/SIGTERM: the graceful stop, then quit; a second one skips the drain wait. In the
    // window, Stop keeps the app open: only a stop that a signal asked for quits.
    SignalWatcher signals;
    bool quitWhenStopped = headless;
    QObject::connect(&server, &Server::stopped, app.get(), [&] {
        if (quitWhenStopped)
            QCoreApplication::quit();
    });
    QObject::connect(&signals, &SignalWatcher::stopRequested, &server, [&](int count) {
        quitWhenStopped = true;
        if (!server.isListening())
            QCoreApplication::quit();
        else if (count == 1)
            server.stop();
        else
            server.stopNow();
    });
    if (headless)
        return app->exec();

    // The desktop entry's name: Wayland's app id, so the desktop matches the window to its entry and icon.
    QGuiApplication::setDesktopFileName(QStringLiteral(QUEUELAB_APP_ID));
    LagProbe::installFromEnvironment(); // QUEUELAB_LAG_REPORT: the benchmark's GUI lag figure
    MainWindow window(&server);
    window.setUsesToken(!options->server.token.isEmpty());
    ScreenshotHook::installFromEnvironment(&window); // QUEUELAB_SCREENSHOT: tools/screenshot.sh
    window.show();
    return app->exec();
}
