#include "enginetesting.h"
#include "jobdetails.h"
#include "jobfilterproxy.h"
#include "jobmodel.h"
#include "jobspanel.h"
#include "jsontext.h"
#include "mainwindow.h"
#include "requestlogmodel.h"
#include "requestspanel.h"
#include "server.h"
#include "servertoolbar.h"
#include "stattile.h"
#include "submitpanel.h"
#include "summarytiles.h"
#include "workermodel.h"

#include <QAbstractButton>
#include <QAbstractScrollArea>
#include <QAbstractSpinBox>
#include <QAccessible>
#include <QCheckBox>
#include <QComboBox>
#include <QFile>
#include <QHeaderView>
#include <QImageReader>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTableView>
#include <QTabWidget>
#include <QTcpSocket>
#include <QTest>
#include <QThreadPool>

// A real engine on the in-memory store and a real server on 127.0.0.1, a free port.
class TestMainWindow : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true); // QSettings go to a throwaway place
        QSettings(QStringLiteral("QueueLab"), QStringLiteral("queuelab")).clear();
    }

    void init()
    {
        EngineConfig engineConfig;
        engineConfig.workers = 2;
        engineConfig.drainTimeoutSecs = 30;
        m_engine = std::make_unique<Engine>(engineConfig, std::make_unique<MemoryJobStore>(100000));
        QString error;
        QVERIFY2(m_engine->open(&error), qPrintable(error));
        ServerConfig serverConfig;
        serverConfig.address = QHostAddress::LocalHost;
        serverConfig.port = 0;
        m_server = std::make_unique<Server>(serverConfig, m_engine.get());
        QVERIFY2(m_server->start(&error), qPrintable(error));
        m_window = std::make_unique<MainWindow>(m_server.get());
        m_window->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
    }

    void cleanup()
    {
        m_window.reset();
        if (m_server)
            m_server->stopNow();
        m_server.reset();
        m_engine.reset();
    }

    void titleNamesTheUrl()
    {
        const QString url = m_server->url().toString();
        QVERIFY(url.startsWith(QStringLiteral("http://127.0.0.1:")));
        QCOMPARE(m_window->windowTitle(), QStringLiteral("QueueLab — %1").arg(url));
        QVERIFY(QFile::exists(QStringLiteral(":/icons/queuelab.svg")));
        QVERIFY(!m_window->windowIcon().isNull());
        // Rendering the SVG needs Debian's libqt6svg6 (the svg image and icon engine plugins).
        if (QImageReader::supportedImageFormats().contains("svg"))
            QCOMPARE(m_window->windowIcon().pixmap(64).size(), QSize(64, 64));
        else
            qWarning("libqt6svg6 is not installed: the application icon cannot be drawn");
    }

    void startStopFollowTheServerState()
    {
        ServerToolBar* controls = m_window->serverControls();
        QTRY_COMPARE(controls->stateText(), QStringLiteral("Running"));
        QVERIFY(!controls->startAction()->isEnabled());
        QVERIFY(controls->stopAction()->isEnabled());
        QVERIFY(controls->stopNowAction()->isEnabled());

        // A long job keeps the drain going until "Stop now".
        const Job job = submitOne(*m_engine, spec(QStringLiteral("sleep"), sleepMs(60000)));
        QTRY_COMPARE(statusOf(*m_engine, job.id), JobStatus::Running);
        QTRY_COMPARE(m_window->summaryTiles()->tile(SummaryTiles::Running)->value(), QStringLiteral("1"));

        controls->stopAction()->trigger();
        QTRY_COMPARE(controls->stateText(), QStringLiteral("Draining"));
        QVERIFY(!controls->startAction()->isEnabled());
        QVERIFY(!controls->stopAction()->isEnabled());
        QVERIFY(controls->stopNowAction()->isEnabled());
        QTRY_VERIFY2(controls->drainText().startsWith(QStringLiteral("1 job still running, cancelled in ")),
            qPrintable(controls->drainText()));

        controls->stopNowAction()->trigger();
        QTRY_COMPARE(controls->stateText(), QStringLiteral("Stopped"));
        QTRY_VERIFY(!m_server->isListening());
        QVERIFY(controls->startAction()->isEnabled());
        QVERIFY(!controls->stopAction()->isEnabled());
        QVERIFY(!controls->stopNowAction()->isEnabled());
        QVERIFY(controls->drainText().isEmpty());
        QTRY_VERIFY(m_window->windowTitle().endsWith(QStringLiteral("(stopped)")));
        // The cancelled job went back to the queue.
        QTRY_COMPARE(statusOf(*m_engine, job.id), JobStatus::Queued);

        const QUrl before = m_server->url();
        controls->startAction()->trigger();
        QTRY_COMPARE(controls->stateText(), QStringLiteral("Running"));
        QVERIFY(m_server->isListening());
        QCOMPARE(m_server->url(), before);
        QVERIFY(controls->stopAction()->isEnabled());
        QVERIFY(!controls->startAction()->isEnabled());
        QCOMPARE(m_window->windowTitle(), QStringLiteral("QueueLab — %1").arg(before.toString()));
    }

    void shortcutsAreBound()
    {
        ServerToolBar* controls = m_window->serverControls();
        QCOMPARE(controls->startAction()->shortcut(), QKeySequence(QStringLiteral("Ctrl+R")));
        QVERIFY(controls->stopAction()->shortcuts().contains(QKeySequence(QStringLiteral("Ctrl+."))));
        QVERIFY(controls->stopAction()->shortcuts().contains(QKeySequence(QStringLiteral("Ctrl+Shift+S"))));
        QCOMPARE(m_window->submitAction()->shortcut(), QKeySequence(QStringLiteral("Ctrl+N")));
    }

    void tilesSayWhatTheyCount()
    {
        SummaryTiles* tiles = m_window->summaryTiles();
        const auto value = [&](SummaryTiles::Tile tile) { return tiles->tile(tile)->value(); };
        const auto caption = [&](SummaryTiles::Tile tile) { return tiles->tile(tile)->caption(); };
        // Jobs of a paused queue are queued but not ready to run.
        QVERIFY(std::holds_alternative<QueueInfo>(m_engine->setQueuePaused(QStringLiteral("held"), true)));
        JobSpec held = spec(QStringLiteral("echo"));
        held.queue = QStringLiteral("held");
        submitOne(*m_engine, held);
        submitOne(*m_engine, held);
        const Job cancelled = submitOne(*m_engine, held);
        QVERIFY(std::holds_alternative<Job>(m_engine->cancel(cancelled.id)));
        QTRY_COMPARE(value(SummaryTiles::Queued), QStringLiteral("2"));
        QCOMPARE(caption(SummaryTiles::Queued), QStringLiteral("0 ready · 2 held"));
        // Cancelled jobs have a tile of their own.
        QTRY_COMPARE(value(SummaryTiles::Cancelled), QStringLiteral("1"));
        QCOMPARE(value(SummaryTiles::Succeeded), QStringLiteral("0"));

        submitOne(*m_engine, spec(QStringLiteral("echo")));
        QTRY_COMPARE(value(SummaryTiles::Succeeded), QStringLiteral("1"));
        QCOMPARE(caption(SummaryTiles::Rate), QStringLiteral("finished, last 60 s"));
        QTRY_VERIFY2(caption(SummaryTiles::WaitTime).contains(QStringLiteral("p99")),
            qPrintable(caption(SummaryTiles::WaitTime)));
        QVERIFY2(caption(SummaryTiles::RunTime).endsWith(QStringLiteral(", the last job")),
            qPrintable(caption(SummaryTiles::RunTime)));
        QVERIFY(!tiles->tile(SummaryTiles::Queued)->toolTip().isEmpty());

        // A limit of one running job holds the rest of its queue.
        QVERIFY(std::holds_alternative<QueueInfo>(m_engine->setQueueConcurrency(QStringLiteral("slow"), 1)));
        JobSpec slow = spec(QStringLiteral("sleep"), sleepMs(60000));
        slow.queue = QStringLiteral("slow");
        for (int i = 0; i < 3; ++i)
            submitOne(*m_engine, slow);
        QTRY_COMPARE(caption(SummaryTiles::Queued), QStringLiteral("0 ready · 4 held"));
    }

    void everyControlHasAnAccessibleName()
    {
        // What a screen reader announces, read through the accessibility tree.
        QStringList unnamed;
        for (QWidget* widget : m_window->findChildren<QWidget*>()) {
            if (widget->focusPolicy() == Qt::NoFocus)
                continue;
            // The editor of a spin box, the popup of a combo box and the viewport of a scroll area
            // are parts of a control named as a whole.
            QWidget* parent = widget->parentWidget();
            const auto partOf = [widget]() {
                for (QWidget* ancestor = widget->parentWidget(); ancestor; ancestor = ancestor->parentWidget()) {
                    if (qobject_cast<QAbstractSpinBox*>(ancestor) || qobject_cast<QComboBox*>(ancestor))
                        return true;
                }
                const auto* area = qobject_cast<QAbstractScrollArea*>(widget->parentWidget());
                return area && area->viewport() == widget;
            };
            if (partOf())
                continue;
            QAccessibleInterface* accessible = QAccessible::queryAccessibleInterface(widget);
            if (!accessible || accessible->text(QAccessible::Name).trimmed().isEmpty())
                unnamed.append(QStringLiteral("%1 \"%2\" in %3")
                                   .arg(QLatin1StringView(widget->metaObject()->className()), widget->objectName(),
                                       QLatin1StringView(parent ? parent->metaObject()->className() : "nothing")));
        }
        QVERIFY2(unnamed.isEmpty(), qPrintable(unnamed.join(QStringLiteral("; "))));

        const auto nameOf
            = [](QWidget* widget) { return QAccessible::queryAccessibleInterface(widget)->text(QAccessible::Name); };
        QCOMPARE(nameOf(m_window->serverControls()->urlField()), QStringLiteral("Listening URL"));
        QCOMPARE(nameOf(m_window->serverControls()->workerSpinBox()), QStringLiteral("Workers"));
        QAccessibleInterface* table = QAccessible::queryAccessibleInterface(m_window->jobsPanel()->view());
        QCOMPARE(table->text(QAccessible::Name), QStringLiteral("Jobs"));
        QAccessibleTableInterface* cells = table->tableInterface();
        QVERIFY(cells);
        QCOMPARE(cells->columnCount(), int(JobModel::ColumnCount));
        for (int column = 0; column < cells->columnCount(); ++column)
            QVERIFY2(!cells->columnDescription(column).isEmpty(), qPrintable(QString::number(column)));
        QCOMPARE(cells->columnDescription(JobModel::DurationColumn), QStringLiteral("Run time"));
    }

    void smallThingsUsersNotice()
    {
        JobsPanel* panel = m_window->jobsPanel();
        // An empty table says how to begin, with this server's address.
        QTRY_VERIFY(panel->emptyHint()->isVisible());
        const QString url = m_server->url().toString();
        QVERIFY2(panel->emptyHint()->text().contains(QStringLiteral("curl -s %1/jobs").arg(url)),
            qPrintable(panel->emptyHint()->text()));
        QVERIFY(panel->emptyHint()->text().contains(QStringLiteral("%1/openapi.json").arg(url)));

        // One job is "1 job"; the hint goes.
        const Job job = submitOne(*m_engine, spec(QStringLiteral("echo")));
        QTRY_COMPARE(panel->countLabel()->text(), QStringLiteral("1 recent job"));
        QVERIFY(!panel->emptyHint()->isVisible());

        // Copying says it copied.
        panel->view()->setCurrentIndex(panel->view()->model()->index(0, 0));
        QSignalSpy messages(panel, &JobsPanel::message);
        panel->copyIdAction()->trigger();
        QCOMPARE(messages.count(), 1);
        QCOMPARE(messages.constFirst().constFirst().toString(), QStringLiteral("Copied the id %1").arg(job.id));
        panel->copyCurlAction()->trigger();
        QVERIFY(messages.constLast().constFirst().toString().startsWith(QStringLiteral("Copied a curl command")));

        // Ctrl+F finds; Stop now has a shortcut.
        QCOMPARE(m_window->findAction()->shortcut(), QKeySequence(QKeySequence::Find));
        m_window->activateWindow();
        m_window->findAction()->trigger();
        QTRY_VERIFY(panel->searchField()->hasFocus());
        QCOMPARE(m_window->serverControls()->stopNowAction()->shortcut(), QKeySequence(QStringLiteral("Ctrl+Shift+X")));
    }

    void fitsInASmallWindow()
    {
        // 1024x640: no tile caption and no details row is cut off, and the window keeps its size.
        m_window->resize(1024, 640);
        JobsPanel* panel = m_window->jobsPanel();
        const Job job = submitOne(*m_engine, spec(QStringLiteral("sleep"), sleepMs(60000)));
        QTRY_COMPARE(panel->model()->rowCount(), 1);
        panel->view()->setCurrentIndex(panel->view()->model()->index(0, 0));
        QTRY_COMPARE(panel->details()->job()->status, JobStatus::Running);
        QTRY_VERIFY(m_window->snapshotsApplied() > 3);
        const QString path = qEnvironmentVariable("QUEUELAB_GRAB"); // look at it: QUEUELAB_GRAB=file.png
        if (!path.isEmpty())
            m_window->grab().save(path);
        QCOMPARE(m_window->size(), QSize(1024, 640));

        QStringList cut;
        const auto check = [&](QLabel* label) {
            if (!label->isVisible() || label->text().isEmpty())
                return;
            const int needed
                = label->wordWrap() ? label->heightForWidth(label->contentsRect().width()) : label->sizeHint().height();
            const int neededWidth = label->wordWrap() ? 0 : label->fontMetrics().horizontalAdvance(label->text());
            if (label->contentsRect().height() < needed - 1 || label->contentsRect().width() < neededWidth)
                cut.append(
                    QStringLiteral("\"%1\" (%2x%3)").arg(label->text()).arg(label->width()).arg(label->height()));
        };
        for (QLabel* label : m_window->summaryTiles()->findChildren<QLabel*>())
            check(label);
        for (QLabel* label : panel->details()->findChildren<QLabel*>())
            check(label);
        QVERIFY2(cut.isEmpty(), qPrintable(cut.join(QStringLiteral(", "))));
        Q_UNUSED(job);
    }

    void invalidJsonDisablesSubmit()
    {
        SubmitPanel* submit = m_window->submitPanel();
        submit->typeBox()->setCurrentText(QStringLiteral("echo"));
        submit->payloadEdit()->setPlainText(QStringLiteral("{\n  \"text\": \n}"));
        QVERIFY(!submit->submitButton()->isEnabled());
        QVERIFY(submit->errorLabel()->isVisible());
        QVERIFY2(submit->errorLabel()->text().startsWith(QStringLiteral("Payload: Line 3, column 1: ")),
            qPrintable(submit->errorLabel()->text()));

        // The engine's field rules apply before sending too.
        submit->payloadEdit()->setPlainText(QStringLiteral("{\"text\": \"hi\"}"));
        submit->queueEdit()->setText(QStringLiteral("no spaces allowed"));
        QVERIFY(!submit->submitButton()->isEnabled());
        QVERIFY(submit->errorLabel()->text().startsWith(QStringLiteral("queue ")));

        submit->queueEdit()->setText(QStringLiteral("default"));
        QVERIFY(submit->submitButton()->isEnabled());
        QVERIFY(!submit->errorLabel()->isVisible());
    }

    void typePickerFillsTheExample()
    {
        SubmitPanel* submit = m_window->submitPanel();
        QVERIFY(submit->typeBox()->count() >= 4);
        submit->typeBox()->setCurrentText(QStringLiteral("echo"));
        submit->typeBox()->setCurrentText(QStringLiteral("sleep"));
        const QJsonValue example = m_engine->examplePayload(QStringLiteral("sleep"));
        QCOMPARE(JsonText::parse(submit->payloadEdit()->toPlainText()).value, example);
        QVERIFY(submit->submitButton()->isEnabled());
    }

    void submitsNCopiesAsOneBatch()
    {
        SubmitPanel* submit = m_window->submitPanel();
        submit->typeBox()->setCurrentText(QStringLiteral("echo"));
        submit->payloadEdit()->setPlainText(QStringLiteral("{\"n\": 1}"));
        submit->countBox()->setValue(25);
        QCOMPARE(submit->submitButton()->text(), QStringLiteral("Submit 25 jobs"));
        QSignalSpy submitted(submit, &SubmitPanel::submitted);
        QTest::mouseClick(submit->submitButton(), Qt::LeftButton);
        QTRY_COMPARE(submitted.count(), 1);
        QVERIFY2(submit->resultLabel()->text().startsWith(QStringLiteral("Submitted 25 jobs")),
            qPrintable(submit->resultLabel()->text()));

        JobModel* jobs = m_window->jobsPanel()->model();
        QTRY_COMPARE(jobs->rowCount(), 25);
        QTRY_VERIFY(allSucceeded(*jobs));
        QCOMPARE(jobs->jobAt(0).payload, QJsonValue(QJsonObject { { QStringLiteral("n"), 1 } }));
        QTRY_COMPARE(m_window->summaryTiles()->tile(SummaryTiles::Succeeded)->value(), QStringLiteral("25"));

        // The settings of the last submission persist.
        QSettings settings(QStringLiteral("QueueLab"), QStringLiteral("queuelab"));
        QCOMPARE(settings.value(QStringLiteral("submit/count")).toInt(), 25);
        QCOMPARE(settings.value(QStringLiteral("submit/type")).toString(), QStringLiteral("echo"));
    }

    void engineErrorsShowInline()
    {
        SubmitPanel* submit = m_window->submitPanel();
        submit->typeBox()->setCurrentText(QStringLiteral("sleep"));
        submit->payloadEdit()->setPlainText(QStringLiteral("{\"ms\": \"soon\"}")); // the handler refuses it
        submit->countBox()->setValue(1);
        QVERIFY(submit->submitButton()->isEnabled());
        submit->submit();
        QTRY_VERIFY(submit->resultLabel()->text().startsWith(QStringLiteral("Refused (")));
        QVERIFY(submit->submitButton()->isEnabled());
        QCOMPARE(m_window->jobsPanel()->model()->rowCount(), 0);

        // The message was about the form as it was: changing any field clears it.
        submit->payloadEdit()->setPlainText(QStringLiteral("{\"ms\": 10}"));
        QVERIFY(submit->resultLabel()->text().isEmpty());
        submit->submit();
        QTRY_VERIFY(submit->resultLabel()->text().startsWith(QStringLiteral("Submitted job ")));
        submit->queueEdit()->setText(QStringLiteral("other"));
        QVERIFY(submit->resultLabel()->text().isEmpty());
    }

    void aBurstArrivesAsFewSnapshots()
    {
        JobModel* jobs = m_window->jobsPanel()->model();
        QSignalSpy inserted(jobs, &QAbstractItemModel::rowsInserted);
        QSignalSpy changed(jobs, &QAbstractItemModel::dataChanged);
        const quint64 snapshotsBefore = m_window->snapshotsApplied();

        const int count = 5000;
        auto result = m_engine->submit(QList<JobSpec>(count, spec(QStringLiteral("echo"))));
        QVERIFY(std::holds_alternative<QList<Job>>(result));
        QTRY_COMPARE_WITH_TIMEOUT(jobs->rowCount(), count, 20000);
        QTRY_VERIFY_WITH_TIMEOUT(allSucceeded(*jobs), 20000);

        // Every job was seen through a handful of coalesced snapshots (or reloads), never per job.
        const quint64 snapshots = m_window->snapshotsApplied() - snapshotsBefore;
        qInfo("5,000 jobs: %llu snapshots, %lld row insertions, %lld dataChanged", snapshots, qint64(inserted.count()),
            qint64(changed.count()));
        QVERIFY(snapshots > 0);
        QVERIFY2(snapshots < count / 10, qPrintable(QString::number(snapshots)));
        QVERIFY2(inserted.count() <= int(snapshots) + 5, qPrintable(QString::number(inserted.count())));
        QVERIFY(inserted.count() < count / 10);
        QTRY_COMPARE(
            m_window->summaryTiles()->tile(SummaryTiles::Succeeded)->value(), QLocale::system().toString(count));
    }

    void selectionAndDetailsSurviveUpdates()
    {
        JobsPanel* panel = m_window->jobsPanel();
        const Job job = submitOne(*m_engine, spec(QStringLiteral("sleep"), sleepMs(60000)));
        QTRY_COMPARE(panel->model()->rowCount(), 1);
        panel->view()->setCurrentIndex(panel->view()->model()->index(0, 0));
        QCOMPARE(panel->details()->job()->id, job.id);
        QVERIFY(panel->details()->payloadText().contains(QStringLiteral("\"ms\": 60000")));

        // New jobs go on top; the selection stays on the same job, and its details follow it.
        submitOne(*m_engine, spec(QStringLiteral("echo")));
        submitOne(*m_engine, spec(QStringLiteral("echo")));
        QTRY_COMPARE(panel->model()->rowCount(), 3);
        QCOMPARE(panel->selectedIds(), QList<JobId> { job.id });
        QTRY_COMPARE(panel->details()->job()->status, JobStatus::Running);

        // Cancel on the selection asks, then goes through the engine.
        QVERIFY(panel->cancelAction()->isEnabled());
        QVERIFY(!panel->retryAction()->isEnabled()); // a running job cannot be retried
        panel->cancelAction()->trigger();
        auto* question = panel->findChild<QMessageBox*>(QStringLiteral("selectionQuestion"));
        QVERIFY(question);
        QCOMPARE(question->text(), QStringLiteral("Cancel the selected job?"));
        QAbstractButton* yes = nullptr;
        for (QAbstractButton* button : question->buttons()) {
            if (button->text() == QStringLiteral("Cancel 1 job"))
                yes = button;
        }
        QVERIFY(yes);
        yes->click();
        QTRY_COMPARE(panel->details()->job()->status, JobStatus::Cancelled);
        QTRY_VERIFY(panel->retryAction()->isEnabled());
        QVERIFY(!panel->cancelAction()->isEnabled());
        QCOMPARE(panel->selectedIds(), QList<JobId> { job.id });
        panel->retryAction()->trigger();
        QTRY_VERIFY(panel->details()->job()->status != JobStatus::Cancelled);
        QTRY_COMPARE(panel->details()->job()->attempts, 2);
    }

    void truncatedChangesReloadFromTheEngine()
    {
        // A panel of its own that sees no snapshots: only its loads bring jobs in.
        QThreadPool pool;
        submitOne(*m_engine, spec(QStringLiteral("echo")));
        JobsPanel panel(m_engine.get(), &pool);
        QTRY_COMPARE(panel.model()->rowCount(), 1); // the jobs stored before it opened

        const auto result = m_engine->submit(QList<JobSpec>(300, spec(QStringLiteral("echo"))));
        QVERIFY(std::holds_alternative<QList<Job>>(result));
        QTRY_VERIFY(!panel.isReconciling());
        QCOMPARE(panel.model()->rowCount(), 1);

        EngineSnapshot truncated;
        truncated.changesTruncated = true;
        QSignalSpy reloaded(&panel, &JobsPanel::reconciled);
        panel.applySnapshot(truncated);
        QTRY_COMPARE(reloaded.count(), 1);
        QCOMPARE(panel.model()->rowCount(), 301);
        QCOMPARE(panel.model()->jobAt(0).id, std::get<QList<Job>>(result).last().id);
    }

    void statusFilterNarrowsTheTable()
    {
        JobsPanel* panel = m_window->jobsPanel();
        submitOne(*m_engine, spec(QStringLiteral("echo")));
        const Job failing = submitOne(*m_engine,
            spec(QStringLiteral("fail"), QJsonObject { { QStringLiteral("message"), QStringLiteral("boom") } }));
        QTRY_COMPARE(panel->model()->rowCount(), 2);
        QTRY_COMPARE(statusOf(*m_engine, failing.id), JobStatus::Failed);
        // The details pane shows the selected job, and never one the filter hides.
        const bool failingFirst
            = panel->view()->model()->index(0, 0).data(JobModel::JobIdRole).toLongLong() == failing.id;
        panel->view()->setCurrentIndex(panel->view()->model()->index(failingFirst ? 1 : 0, 0));
        QVERIFY(panel->details()->job()->id != failing.id);
        panel->statusFilter()->setCurrentText(QStringLiteral("failed"));
        QTRY_COMPARE(panel->view()->model()->rowCount(), 1);
        QCOMPARE(panel->view()->model()->index(0, 0).data(JobModel::JobIdRole).toLongLong(), failing.id);
        QVERIFY(!panel->details()->job() || panel->details()->job()->id == failing.id);
        panel->view()->setCurrentIndex(panel->view()->model()->index(0, 0));
        QCOMPARE(panel->details()->job()->id, failing.id);
        panel->statusFilter()->setCurrentIndex(0);
        QCOMPARE(panel->view()->model()->rowCount(), 2);
        QCOMPARE(panel->details()->job()->id, failing.id); // the selection stayed on it
    }

    void idSearchFindsAJob()
    {
        JobsPanel* panel = m_window->jobsPanel();
        const Job first = submitOne(*m_engine, spec(QStringLiteral("echo")));
        submitOne(*m_engine, spec(QStringLiteral("echo")));
        QTRY_COMPARE(panel->model()->rowCount(), 2);
        panel->idSearch()->setText(QString::number(first.id));
        QCOMPARE(panel->view()->model()->rowCount(), 1);
        QCOMPARE(panel->details()->job()->id, first.id);
        panel->idSearch()->clear();
        QCOMPARE(panel->view()->model()->rowCount(), 2);
    }

    void searchFindsJobsTheTableDoesNotHold()
    {
        // A panel of its own that sees no snapshots: only its reads bring jobs in.
        QThreadPool pool;
        JobsPanel panel(m_engine.get(), &pool);
        QTRY_VERIFY(!panel.isReconciling());
        const Job needle = submitOne(*m_engine,
            spec(QStringLiteral("fail"),
                QJsonObject { { QStringLiteral("message"), QStringLiteral("Disk FULL on node-7") } }));
        const Job hay = submitOne(*m_engine, spec(QStringLiteral("echo"), QJsonObject { { QStringLiteral("n"), 7 } }));
        QTRY_COMPARE(statusOf(*m_engine, needle.id), JobStatus::Failed);
        QTRY_COMPARE(statusOf(*m_engine, hay.id), JobStatus::Succeeded);
        QCOMPARE(panel.model()->rowCount(), 0);

        QSignalSpy arrived(&panel, &JobsPanel::queryRowsArrived);
        panel.searchField()->setText(QStringLiteral("full on")); // any case of A to Z
        QTRY_COMPARE(arrived.count(), 1); // once the typing rested
        QCOMPARE(panel.view()->model()->rowCount(), 1);
        QCOMPARE(panel.view()->model()->index(0, 0).data(JobModel::JobIdRole).toLongLong(), needle.id);
        QCOMPARE(panel.filter().search, QStringLiteral("full on"));

        panel.searchField()->setText(QStringLiteral("\"n\":7")); // in the payload
        QTRY_COMPARE(arrived.count(), 2);
        QCOMPARE(panel.view()->model()->rowCount(), 1);
        QCOMPARE(panel.view()->model()->index(0, 0).data(JobModel::JobIdRole).toLongLong(), hay.id);
        panel.searchField()->clear();
        QTRY_COMPARE(arrived.count(), 3);
        QCOMPARE(panel.view()->model()->rowCount(), 2); // the rows found stay until trimmed
    }

    void ctrlFFocusesTheSearchFromAnyTab()
    {
        JobsPanel* panel = m_window->jobsPanel();
        auto* tabs = qobject_cast<QTabWidget*>(panel->parentWidget()->parentWidget());
        QVERIFY(tabs);
        tabs->setCurrentIndex(1);
        QVERIFY(!panel->isVisible());
        m_window->activateWindow();
        m_window->findAction()->trigger();
        QVERIFY(panel->isVisible());
        QTRY_VERIFY(panel->searchField()->hasFocus());
        QCOMPARE(QAccessible::queryAccessibleInterface(panel->searchField())->text(QAccessible::Name),
            QStringLiteral("Search jobs"));
    }

    void sortHeadersSortThroughTheQuery()
    {
        QThreadPool pool;
        JobsPanel panel(m_engine.get(), &pool);
        panel.resize(1000, 500);
        panel.show();
        QVERIFY(QTest::qWaitForWindowExposed(&panel));
        QTRY_VERIFY(!panel.isReconciling());
        // Not in the table (the panel sees no snapshots): the header's sort must ask the store.
        JobSpec urgent = spec(QStringLiteral("echo"), {}, 9);
        JobSpec twice = spec(QStringLiteral("fail"));
        twice.maxAttempts = 2;
        const Job first = submitOne(*m_engine, urgent);
        const Job retried = submitOne(*m_engine, twice);
        for (int i = 0; i < 3; ++i)
            submitOne(*m_engine, spec(QStringLiteral("echo")));
        QTRY_COMPARE(statusOf(*m_engine, retried.id), JobStatus::Failed);
        QCOMPARE(panel.model()->rowCount(), 0);

        QHeaderView* header = panel.view()->horizontalHeader();
        QSignalSpy arrived(&panel, &JobsPanel::queryRowsArrived);
        const auto click = [header](int column) {
            const QPoint middle(
                header->sectionViewportPosition(column) + header->sectionSize(column) / 2, header->height() / 2);
            QTest::mouseClick(header->viewport(), Qt::LeftButton, {}, middle);
        };
        click(JobModel::PriorityColumn);
        if (header->sortIndicatorOrder() == Qt::AscendingOrder)
            click(JobModel::PriorityColumn);
        QCOMPARE(header->sortIndicatorSection(), int(JobModel::PriorityColumn));
        QCOMPARE(panel.sortedQuery().sort, JobSort::Priority);
        QVERIFY(!panel.sortedQuery().ascending);
        QTRY_VERIFY(arrived.count() >= 1 && !panel.isQuerying());
        QCOMPARE(panel.model()->rowCount(), 5);
        QCOMPARE(panel.view()->model()->index(0, 0).data(JobModel::JobIdRole).toLongLong(), first.id);

        click(JobModel::AttemptsColumn);
        if (header->sortIndicatorOrder() == Qt::AscendingOrder)
            click(JobModel::AttemptsColumn);
        QCOMPARE(panel.sortedQuery().sort, JobSort::Attempts);
        QTRY_VERIFY(!panel.isQuerying());
        QCOMPARE(panel.view()->model()->index(0, 0).data(JobModel::JobIdRole).toLongLong(), retried.id);

        click(JobModel::StatusColumn); // not a query's order: the rows held are sorted
        QCOMPARE(panel.sortedQuery().sort, JobSort::Created);
        QCOMPARE(panel.view()->model()->rowCount(), 5);
    }

    void scheduledViewShowsTheSoonestFirstAndRunsNow()
    {
        JobsPanel* panel = m_window->jobsPanel();
        JobSpec later = spec(QStringLiteral("echo"));
        later.delayMs = 600000;
        JobSpec sooner = later;
        sooner.delayMs = 300000;
        const Job laterJob = submitOne(*m_engine, later);
        const Job soonerJob = submitOne(*m_engine, sooner);
        const Job latest = submitOne(*m_engine, later);
        submitOne(*m_engine, spec(QStringLiteral("echo")));
        QTRY_COMPARE(panel->model()->rowCount(), 4);

        panel->statusFilter()->setCurrentText(QStringLiteral("scheduled"));
        QHeaderView* header = panel->view()->horizontalHeader();
        QCOMPARE(header->sortIndicatorSection(), int(JobModel::DurationColumn));
        QCOMPARE(header->sortIndicatorOrder(), Qt::AscendingOrder);
        QCOMPARE(panel->sortedQuery().sort, JobSort::Due);
        QTRY_VERIFY(!panel->isQuerying());
        QAbstractItemModel* rows = panel->view()->model();
        QCOMPARE(rows->rowCount(), 3);
        const auto idAt = [rows](int row) { return rows->index(row, 0).data(JobModel::JobIdRole).toLongLong(); };
        QCOMPARE(idAt(0), soonerJob.id);
        QCOMPARE(idAt(1), laterJob.id); // due a moment before the one submitted after it
        QCOMPARE(idAt(2), latest.id);

        panel->view()->selectRow(0);
        QVERIFY(panel->runNowAction()->isEnabled());
        panel->runNowAction()->trigger();
        QTRY_COMPARE(statusOf(*m_engine, soonerJob.id), JobStatus::Succeeded);
        QTRY_COMPARE(rows->rowCount(), 2);
        QCOMPARE(idAt(0), laterJob.id);

        panel->statusFilter()->setCurrentIndex(0); // leaving the view: newest first again
        QCOMPARE(header->sortIndicatorSection(), int(JobModel::IdColumn));
        QCOMPARE(header->sortIndicatorOrder(), Qt::DescendingOrder);
    }

    void faktorySettingListensAndShowsTheAddress()
    {
        ServerToolBar* controls = m_window->serverControls();
        QVERIFY(!controls->faktoryCheckBox()->isChecked());
        QVERIFY(m_server->faktoryAddress().isEmpty());
        QVERIFY(!controls->faktoryAddressField()->isVisible());
        controls->faktoryPortSpinBox()->setValue(0); // any free port
        controls->faktoryCheckBox()->setChecked(true);
        const QString address = m_server->faktoryAddress();
        QVERIFY2(address.startsWith(QStringLiteral("tcp://127.0.0.1:")), qPrintable(address));
        QCOMPARE(controls->faktoryAddressField()->text(), address);
        QTRY_VERIFY(controls->faktoryAddressField()->isVisible());

        QTcpSocket client;
        client.connectToHost(QHostAddress::LocalHost, quint16(address.section(u':', -1).toUInt()));
        QVERIFY(client.waitForConnected(5000));
        QTRY_VERIFY(client.bytesAvailable() > 0 || client.waitForReadyRead(100));
        QVERIFY(client.readAll().startsWith("+HI "));

        controls->faktoryCheckBox()->setChecked(false);
        QVERIFY(m_server->faktoryAddress().isEmpty());
        QTRY_VERIFY(!controls->faktoryAddressField()->isVisible());
    }

    void workerCountChangesWhileRunning()
    {
        QSpinBox* workers = m_window->serverControls()->workerSpinBox();
        QCOMPARE(workers->value(), 2);
        QTRY_COMPARE(m_window->workerModel()->rowCount(), 2);
        workers->setValue(4);
        QCOMPARE(m_engine->workerCount(), 4);
        QTRY_COMPARE(m_window->workerModel()->rowCount(), 4);

        const Job job = submitOne(*m_engine, spec(QStringLiteral("sleep"), sleepMs(60000)));
        QTRY_VERIFY(busyWorkerRunning(job.id));
    }

    void requestsTableShowsHttpTraffic()
    {
        QNetworkAccessManager network;
        QUrl url = m_server->url();
        url.setPath(QStringLiteral("/health"));
        QNetworkReply* reply = network.get(QNetworkRequest(url));
        QTRY_VERIFY(reply->isFinished());
        reply->deleteLater();
        RequestLogModel* requests = m_window->requestsPanel()->model();
        QTRY_COMPARE(requests->rowCount(), 1);
        QCOMPARE(requests->index(0, RequestLogModel::MethodColumn).data().toString(), QStringLiteral("GET"));
        QCOMPARE(requests->index(0, RequestLogModel::PathColumn).data().toString(), QStringLiteral("/health"));
        QCOMPARE(requests->index(0, RequestLogModel::StatusColumn).data().toInt(), 200);
    }

    void requestsShowTheAnswerAndFilterErrors()
    {
        QNetworkAccessManager network;
        for (const QString& path : { QStringLiteral("/health"), QStringLiteral("/jobs/999") }) {
            QUrl url = m_server->url();
            url.setPath(path);
            QNetworkReply* reply = network.get(QNetworkRequest(url));
            QTRY_VERIFY(reply->isFinished());
            reply->deleteLater();
        }
        RequestsPanel* panel = m_window->requestsPanel();
        RequestLogModel* requests = panel->model();
        QTRY_COMPARE(requests->rowCount(), 2);
        QCOMPARE(requests->index(0, RequestLogModel::StatusColumn).data().toInt(), 404);
        const QString error = requests->index(0, RequestLogModel::ErrorColumn).data().toString();
        QVERIFY2(error.startsWith(QStringLiteral("not_found: ")), qPrintable(error));
        QVERIFY(
            requests->index(0, RequestLogModel::AnswerColumn).data().toString().contains(QStringLiteral("not_found")));
        QVERIFY(requests->index(1, RequestLogModel::ErrorColumn).data().toString().isEmpty());
        QVERIFY(requests->index(1, RequestLogModel::AnswerColumn).data().toString().contains(QStringLiteral("ok")));
        QCOMPARE(panel->countLabel()->text(), QStringLiteral("2 requests"));

        panel->errorsOnlyBox()->setChecked(true);
        QCOMPARE(panel->view()->model()->rowCount(), 1);
        QCOMPARE(panel->view()->model()->index(0, RequestLogModel::PathColumn).data().toString(),
            QStringLiteral("/jobs/999"));
        QCOMPARE(panel->countLabel()->text(), QStringLiteral("1 error of 2 requests"));
        panel->errorsOnlyBox()->setChecked(false);
        QCOMPARE(panel->view()->model()->rowCount(), 2);
    }

    void closingWithRunningJobsAsks()
    {
        const Job job = submitOne(*m_engine, spec(QStringLiteral("sleep"), sleepMs(60000)));
        QTRY_COMPARE(m_window->summaryTiles()->tile(SummaryTiles::Running)->value(), QStringLiteral("1"));

        // Cancel keeps the window and the server.
        QVERIFY(!m_window->close());
        auto* question = m_window->findChild<QMessageBox*>(QStringLiteral("closeQuestion"));
        QVERIFY(question);
        QTRY_VERIFY(question->isVisible());
        question->button(QMessageBox::Cancel)->click();
        QTRY_VERIFY(!m_window->findChild<QMessageBox*>(QStringLiteral("closeQuestion")));
        QVERIFY(m_window->isVisible());
        QVERIFY(m_server->isListening());

        // Quit now: the running job is cancelled back into the queue, then the window closes.
        QVERIFY(!m_window->close());
        question = m_window->findChild<QMessageBox*>(QStringLiteral("closeQuestion"));
        QVERIFY(question);
        QAbstractButton* quitNow = nullptr;
        for (QAbstractButton* button : question->buttons()) {
            if (button->text() == QStringLiteral("Quit now"))
                quitNow = button;
        }
        QVERIFY(quitNow);
        quitNow->click();
        QTRY_VERIFY(!m_window->isVisible());
        QVERIFY(!m_server->isListening());
        QCOMPARE(statusOf(*m_engine, job.id), JobStatus::Queued);

        // Closing saved the layout.
        QSettings settings(QStringLiteral("QueueLab"), QStringLiteral("queuelab"));
        QVERIFY(!settings.value(QStringLiteral("window/geometry")).toByteArray().isEmpty());
        QVERIFY(!settings.value(QStringLiteral("window/mainSplitter")).toByteArray().isEmpty());
    }

    void closingWhenIdleDoesNotAsk()
    {
        QVERIFY(m_window->close());
        QVERIFY(!m_window->findChild<QMessageBox*>(QStringLiteral("closeQuestion")));
    }

private:
    static bool allSucceeded(const JobModel& jobs)
    {
        for (int row = 0; row < jobs.rowCount(); ++row) {
            if (jobs.jobAt(row).status != JobStatus::Succeeded)
                return false;
        }
        return true;
    }

    bool busyWorkerRunning(JobId id) const
    {
        for (const WorkerRow& worker : m_window->workerModel()->rows()) {
            if (!worker.external && worker.state == WorkerState::Busy && worker.jobId == id)
                return true;
        }
        return false;
    }

    std::unique_ptr<Engine> m_engine;
    std::unique_ptr<Server> m_server;
    std::unique_ptr<MainWindow> m_window;
};

QTEST_MAIN(TestMainWindow)
#include "tst_mainwindow.moc"
