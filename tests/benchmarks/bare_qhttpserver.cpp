// QHttpServer alone, answering fixed JSON: the benchmark suite's ceiling for the stack QueueLab's
// HTTP layer is built on (no guard, no engine, no store), as nginx is the machine's.
// Run: bare_qhttpserver [--port N]  (0, the default: a free port); --version gives Qt's. It prints
// "listening on http://127.0.0.1:PORT" like `queuelab --headless --port 0`; SIGTERM stops it.
#include <QCommandLineParser>
#include <QCoreApplication>
#include <QHttpServer>
#include <QHttpServerResponse>
#include <QSocketNotifier>
#include <QThread>

#include <csignal>
#include <cstdio>
#include <sys/signalfd.h>

using Method = QHttpServerRequest::Method;
using Status = QHttpServerResponse::StatusCode;

int main(int argc, char* argv[])
{
    // Blocked before any thread starts, so that every thread inherits the mask and the stop
    // signals only arrive through the signalfd, in the event loop, without a signal handler.
    sigset_t stopSignals;
    sigemptyset(&stopSignals);
    sigaddset(&stopSignals, SIGTERM);
    sigaddset(&stopSignals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stopSignals, nullptr);
    const int stopFd = signalfd(-1, &stopSignals, SFD_CLOEXEC);

    QCoreApplication app(argc, argv);
    app.setApplicationVersion(QString::fromLatin1(qVersion())); // the suite labels its column with it
    QCommandLineParser parser;
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption portOption(
        QStringLiteral("port"), QStringLiteral("Port (0: a free one)."), QStringLiteral("N"), QStringLiteral("0"));
    parser.addOption(portOption);
    parser.process(app);
    bool portOk = false;
    const uint port = parser.value(portOption).toUInt(&portOk);
    if (!portOk || port > 65535 || stopFd < 0) {
        std::fprintf(stderr, stopFd < 0 ? "signalfd failed\n" : "--port needs a number from 0 to 65535\n");
        return 2;
    }

    // One HTTP thread, as in QueueLab. Everything is created in it, as a child of `home`, so that
    // the server's sockets live there; `home` goes with the thread's end.
    QThread httpThread;
    httpThread.setObjectName(QStringLiteral("http"));
    auto* home = new QObject;
    home->moveToThread(&httpThread);
    QObject::connect(&httpThread, &QThread::finished, home, &QObject::deleteLater);
    httpThread.start();

    quint16 listening = 0;
    QMetaObject::invokeMethod(
        home,
        [home, port, &listening] {
            auto* server = new QHttpServer(home);
            // Explicit content type: a bare QByteArray body would be MIME-sniffed on every answer.
            const QByteArray json("application/json");
            const QByteArray accepted(R"({"id":"1","status":"queued"})");
            const QByteArray job(R"({"id":"1","status":"succeeded"})");
            server->route(QStringLiteral("/jobs"), Method::Post,
                [json, accepted] { return QHttpServerResponse(json, accepted, Status::Accepted); });
            // The GET scenario's path; a QString argument, as QueueLab's own /jobs/<arg> routes take.
            server->route(QStringLiteral("/jobs/<arg>"), Method::Get,
                [json, job](const QString&) { return QHttpServerResponse(json, job, Status::Ok); });
            listening = server->listen(QHostAddress::LocalHost, quint16(port));
        },
        Qt::BlockingQueuedConnection);

    int code = 1;
    if (listening == 0) {
        std::fprintf(stderr, "cannot listen on 127.0.0.1 port %u\n", port);
    } else {
        std::printf("listening on http://127.0.0.1:%u\n", unsigned(listening));
        std::fflush(stdout);
        QSocketNotifier stop(stopFd, QSocketNotifier::Read);
        QObject::connect(&stop, &QSocketNotifier::activated, &app, &QCoreApplication::quit);
        code = app.exec();
    }
    httpThread.quit();
    httpThread.wait();
    return code;
}
