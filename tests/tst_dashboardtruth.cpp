#include "enginetesting.h"
#include "jobdetails.h"
#include "jobfilterproxy.h"
#include "jobmodel.h"
#include "jobspanel.h"
#include "mainwindow.h"
#include "server.h"
#include "stattile.h"
#include "store/sqlite/sqlitejobstore.h"
#include "summarytiles.h"

#include <QComboBox>
#include <QElapsedTimer>
#include <QHeaderView>
#include <QJsonArray>
#include <QJsonDocument>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QSettings>
#include <QStandardPaths>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>

// The dashboard under bursts larger than what one snapshot carries: once the queue is idle, every
// row of the jobs table, the filtered view, the tiles and the details agree with the engine and
// /stats. A real engine on either store, a real server on a free port, real widgets offscreen.
class TestDashboardTruth : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QSettings(QStringLiteral("QueueLab"), QStringLiteral("queuelab")).clear();
    }

    void cleanup()
    {
        m_window.reset();
        if (m_server)
            m_server->stopNow();
        m_server.reset();
        m_engine.reset();
    }

    void burstsConverge_data()
    {
        QTest::addColumn<bool>("sqlite");
        QTest::addColumn<bool>("sorted"); // by attempts, through the query, in the middle of the burst
        QTest::newRow("in-memory") << false << false;
        QTest::newRow("sqlite") << true << false;
        QTest::newRow("sqlite, sorted by attempts") << true << true;
    }

    void burstsConverge()
    {
        QFETCH(bool, sqlite);
        QFETCH(bool, sorted);
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        std::unique_ptr<JobStore> store;
        if (sqlite)
            store = std::make_unique<SqliteJobStore>(
                dir.filePath(QStringLiteral("jobs.db")), SqliteJobStore::Sync::Normal);
        else
            store = std::make_unique<MemoryJobStore>(100000);
        startWindow(std::move(store));

        JobsPanel* panel = m_window->jobsPanel();
        panel->statusFilter()->setCurrentText(QStringLiteral("queued"));

        // Three batches of 10,000 at once: each snapshot carries at most 5,000 changes.
        constexpr int batches = 3;
        constexpr int perBatch = 10000;
        QJsonArray jobs;
        for (int i = 0; i < perBatch; ++i)
            jobs.append(
                QJsonObject { { QStringLiteral("type"), QStringLiteral("echo") }, { QStringLiteral("payload"), i } });
        const QByteArray body
            = QJsonDocument(QJsonObject { { QStringLiteral("jobs"), jobs } }).toJson(QJsonDocument::Compact);
        QNetworkAccessManager network;
        QList<QNetworkReply*> replies;
        QElapsedTimer sinceStart;
        sinceStart.start();
        for (int i = 0; i < batches; ++i) {
            QNetworkRequest request(endpoint(QStringLiteral("/jobs/batch")));
            request.setHeader(QNetworkRequest::ContentTypeHeader, QStringLiteral("application/json"));
            replies.append(network.post(request, body));
        }
        for (QNetworkReply* reply : std::as_const(replies)) {
            QTRY_VERIFY_WITH_TIMEOUT(reply->isFinished(), 60000);
            QCOMPARE(reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 202);
            reply->deleteLater();
        }
        if (sorted) // the query's rows come in while the workers change them
            panel->view()->horizontalHeader()->setSortIndicator(JobModel::AttemptsColumn, Qt::DescendingOrder);

        const qint64 total = qint64(batches) * perBatch;
        QTRY_COMPARE_WITH_TIMEOUT(finished(m_engine->stats()), total, 120000);
        qInfo("%s: %lld jobs ran in %lld ms", sqlite ? "sqlite" : "in-memory", total, sinceStart.elapsed());
        QElapsedTimer sinceIdle;
        sinceIdle.start();

        QString why;
        QTRY_VERIFY2_WITH_TIMEOUT(modelMatchesEngine(*panel->model(), total, &why), qPrintable(why), 30000);
        qInfo("%s: the table agreed with the engine %lld ms after the queue went idle", sqlite ? "sqlite" : "in-memory",
            sinceIdle.elapsed());
        QCOMPARE(panel->view()->model()->rowCount(), 0); // nothing is queued any more

        // The tiles say what /stats says.
        const QJsonObject stats = getJson(network, QStringLiteral("/stats"));
        const QJsonObject counts = stats.value(QStringLiteral("counts")).toObject();
        QCOMPARE(counts.value(QStringLiteral("succeeded")).toInteger(), total);
        SummaryTiles* tiles = m_window->summaryTiles();
        const auto tileValue = [&](SummaryTiles::Tile tile) { return tiles->tile(tile)->value(); };
        const auto formatted = [](qint64 value) { return QLocale::system().toString(value); };
        QTRY_COMPARE(
            tileValue(SummaryTiles::Succeeded), formatted(counts.value(QStringLiteral("succeeded")).toInteger()));
        QCOMPARE(tileValue(SummaryTiles::Queued), formatted(counts.value(QStringLiteral("queued")).toInteger()));
        QCOMPARE(tileValue(SummaryTiles::Running), formatted(counts.value(QStringLiteral("running")).toInteger()));
        QCOMPARE(tileValue(SummaryTiles::Failed), formatted(counts.value(QStringLiteral("failed")).toInteger()));

        // The details pane shows the selected job as the engine holds it.
        panel->statusFilter()->setCurrentIndex(0);
        for (const int row : { 0, int(total / 2), int(total - 1) }) {
            panel->view()->setCurrentIndex(panel->view()->model()->index(row, 0));
            const Job shown = panel->details()->job().value();
            QCOMPARE(shown, m_engine->job(shown.id).value());
        }
    }

private:
    void startWindow(std::unique_ptr<JobStore> store)
    {
        EngineConfig engineConfig;
        engineConfig.workers = 2;
        // Two snapshots a second carry at most 10,000 changes a second: fewer than the workers make.
        engineConfig.snapshotIntervalMs = 500;
        m_engine = std::make_unique<Engine>(engineConfig, std::move(store));
        QString error;
        QVERIFY2(m_engine->open(&error), qPrintable(error));
        ServerConfig serverConfig;
        serverConfig.port = 0;
        m_server = std::make_unique<Server>(serverConfig, m_engine.get());
        QVERIFY2(m_server->start(&error), qPrintable(error));
        m_window = std::make_unique<MainWindow>(m_server.get());
        m_window->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
    }

    QUrl endpoint(const QString& path) const
    {
        QUrl url = m_server->url();
        url.setPath(path);
        return url;
    }

    QJsonObject getJson(QNetworkAccessManager& network, const QString& path) const
    {
        QNetworkReply* reply = network.get(QNetworkRequest(endpoint(path)));
        if (!QTest::qWaitFor([&] { return reply->isFinished(); }, 10000))
            return {};
        reply->deleteLater();
        return QJsonDocument::fromJson(reply->readAll()).object();
    }

    static qint64 finished(const EngineStats& stats)
    {
        return stats.counts[std::size_t(JobStatus::Succeeded)] + stats.counts[std::size_t(JobStatus::Failed)]
            + stats.counts[std::size_t(JobStatus::Cancelled)];
    }

    // Every row is the engine's current state of that job, and no job is missing.
    bool modelMatchesEngine(const JobModel& model, qint64 total, QString* why) const
    {
        if (model.rowCount() != total) {
            *why = QStringLiteral("the table holds %1 of %2 jobs").arg(model.rowCount()).arg(total);
            return false;
        }
        // Cheap first: rows in each status (reading every job from the store takes a while).
        StatusCounts shownCounts {};
        for (int row = 0; row < model.rowCount(); ++row)
            ++shownCounts[std::size_t(model.jobAt(row).status)];
        if (shownCounts != m_engine->stats().counts) {
            *why = QStringLiteral("the table shows %1 succeeded and %2 queued jobs")
                       .arg(shownCounts[std::size_t(JobStatus::Succeeded)])
                       .arg(shownCounts[std::size_t(JobStatus::Queued)]);
            return false;
        }
        int stale = 0;
        QString first;
        for (int row = 0; row < model.rowCount(); ++row) {
            const Job& shown = model.jobAt(row);
            const std::optional<Job> truth = m_engine->job(shown.id);
            if (!truth || !(*truth == shown)) {
                if (stale++ == 0)
                    first = QStringLiteral("job %1 shows %2, the engine says %3")
                                .arg(shown.id)
                                .arg(QString(statusName(shown.status)),
                                    truth ? QString(statusName(truth->status)) : QStringLiteral("nothing"));
            }
        }
        *why = QStringLiteral("%1 rows differ from the engine; %2").arg(stale).arg(first);
        return stale == 0;
    }

    std::unique_ptr<Engine> m_engine;
    std::unique_ptr<Server> m_server;
    std::unique_ptr<MainWindow> m_window;
};

QTEST_MAIN(TestDashboardTruth)
#include "tst_dashboardtruth.moc"
