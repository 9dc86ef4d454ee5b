#include "sinkpanel.h"

#include "deliverysettingsdialog.h"
#include "sink.h"

#include <QHeaderView>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSplitter>
#include <QTableWidget>
#include <QVBoxLayout>

namespace {
enum Column { TimeColumn, MethodColumn, TargetColumn, AnswerColumn, SignatureColumn, ColumnCount };
constexpr int seqRole = Qt::UserRole + 1;

QString markText(SignatureMark mark)
{
    switch (mark) {
    case SignatureMark::Verified:
        return QObject::tr("✔ verified");
    case SignatureMark::Invalid:
        return QObject::tr("✘ invalid");
    case SignatureMark::Unsigned:
        return QObject::tr("unsigned");
    case SignatureMark::Unchecked:
        return QObject::tr("not checked");
    }
    return {};
}
} // namespace

SinkPanel::SinkPanel(const SinkReader* store, Engine* engine, QWidget* parent)
    : QWidget(parent)
    , m_store(store)
    , m_engine(engine)
    , m_sinks(new QListWidget(this))
    , m_requests(new QTableWidget(0, ColumnCount, this))
    , m_detail(new QPlainTextEdit(this))

{
    m_sinks->setAccessibleName(tr("Sinks"));
    m_requests->setAccessibleName(tr("Requests the sink received"));
    m_detail->setAccessibleName(tr("The selected request's headers and body"));
    m_requests->setHorizontalHeaderLabels(
        { tr("Received"), tr("Method"), tr("Target"), tr("Answer"), tr("Signature") });
    m_requests->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_requests->setSelectionMode(QAbstractItemView::SingleSelection);
    m_requests->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_requests->verticalHeader()->hide();
    m_requests->horizontalHeader()->setSectionResizeMode(TargetColumn, QHeaderView::Stretch);
    m_detail->setReadOnly(true);
    m_detail->setLineWrapMode(QPlainTextEdit::NoWrap);
    // A placeholder, not a label: the tab must fit the window's smallest height.
    m_detail->setPlaceholderText(tr("Send anything to /sink/NAME (an http job's url, or curl): it shows up here. "
                                    "PUT /sinks/NAME/script sets how it answers."));

    // The settings button under the list of sinks: a row across the tab would cost it height.
    auto* sinksColumn = new QWidget(this);
    auto* sinksLayout = new QVBoxLayout(sinksColumn);
    sinksLayout->setContentsMargins(0, 0, 0, 0);
    sinksLayout->addWidget(m_sinks, 1);
    if (m_engine) {
        auto* settings = new QPushButton(tr("Delivery settings…"), sinksColumn);
        settings->setToolTip(tr("Targets beside loopback that http jobs and callbacks may reach, and the "
                                "secret that signs them (and that this sink verifies with)"));
        connect(settings, &QPushButton::clicked, this, &SinkPanel::openDeliverySettings);
        sinksLayout->addWidget(settings);
    }
    auto* split = new QSplitter(Qt::Horizontal, this);
    split->addWidget(sinksColumn);
    split->addWidget(m_requests);
    split->addWidget(m_detail);
    split->setStretchFactor(0, 1);
    split->setStretchFactor(1, 3);
    split->setStretchFactor(2, 3);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addWidget(split, 1);

    connect(m_sinks, &QListWidget::currentTextChanged, this, &SinkPanel::showRequests);
    connect(m_requests, &QTableWidget::itemSelectionChanged, this, &SinkPanel::showDetail);
    // The store is bounded and thread-safe: copying a sink's requests when it changed is cheap enough here.
    m_timer.setInterval(pollIntervalMs);
    connect(&m_timer, &QTimer::timeout, this, &SinkPanel::poll);
    if (m_store)
        m_timer.start();
}

void SinkPanel::openDeliverySettings()
{
    if (!m_engine)
        return;
    if (auto* open = findChild<DeliverySettingsDialog*>()) {
        open->raise();
        open->activateWindow();
        return;
    }
    auto* dialog = new DeliverySettingsDialog(m_engine, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->show();
}

void SinkPanel::poll()
{
    if (!m_store)
        return;
    const quint64 change = m_store->changeSeq();
    if (m_shownOnce && change == m_shownChange)
        return;
    m_shownOnce = true;
    m_shownChange = change;
    showSinks();
    showRequests();
}

void SinkPanel::showSinks()
{
    const QString current = m_sinks->currentItem() ? m_sinks->currentItem()->data(Qt::UserRole).toString() : QString();
    const QSignalBlocker block(m_sinks);
    m_sinks->clear();
    for (const SinkInfo& info : m_store->sinks()) {
        auto* item = new QListWidgetItem(tr("%1 (%2)").arg(info.name).arg(info.received), m_sinks);
        item->setData(Qt::UserRole, info.name);
        if (info.name == current || (current.isEmpty() && m_sinks->count() == 1))
            m_sinks->setCurrentItem(item);
    }
}

void SinkPanel::showRequests()
{
    const QString name = m_sinks->currentItem() ? m_sinks->currentItem()->data(Qt::UserRole).toString() : QString();
    const auto selected = m_requests->selectedItems();
    const QVariant selectedSeq
        = selected.isEmpty() ? QVariant() : m_requests->item(selected.first()->row(), 0)->data(seqRole);
    const QList<SinkRequest> requests = name.isEmpty() ? QList<SinkRequest>() : m_store->requests(name);
    const QSignalBlocker block(m_requests);
    m_requests->setRowCount(int(requests.size()));
    int reselect = -1;
    for (int row = 0; row < requests.size(); ++row) {
        const SinkRequest& request = requests[row];
        const QStringList texts = {
            QDateTime::fromMSecsSinceEpoch(request.receivedAt).toString(QStringLiteral("HH:mm:ss.zzz")),
            QString::fromLatin1(request.method),
            request.target,
            request.answeredDelayMs > 0 ? tr("%1 after %2 ms").arg(request.answeredStatus).arg(request.answeredDelayMs)
                                        : QString::number(request.answeredStatus),
            markText(request.signature),
        };
        for (int column = 0; column < ColumnCount; ++column) {
            auto* item = new QTableWidgetItem(texts[column]);
            item->setData(seqRole, QString::number(request.seq));
            item->setData(Qt::UserRole, QVariant::fromValue(row));
            m_requests->setItem(row, column, item);
        }
        if (selectedSeq.isValid() && selectedSeq.toString() == QString::number(request.seq))
            reselect = row;
    }
    if (reselect < 0 && !requests.isEmpty())
        reselect = 0; // the newest
    if (reselect >= 0)
        m_requests->selectRow(reselect);
    showDetail();
}

void SinkPanel::showDetail()
{
    const QString name = m_sinks->currentItem() ? m_sinks->currentItem()->data(Qt::UserRole).toString() : QString();
    const auto selected = m_requests->selectedItems();
    if (name.isEmpty() || selected.isEmpty()) {
        m_detail->clear();
        return;
    }
    const quint64 seq = m_requests->item(selected.first()->row(), 0)->data(seqRole).toString().toULongLong();
    for (const SinkRequest& request : m_store->requests(name, seq - 1)) {
        if (request.seq != seq)
            continue;
        QString text = QString::fromLatin1(request.method) + u' ' + request.target + u'\n';
        for (const auto& [header, value] : request.headers)
            text += QString::fromLatin1(header) + QStringLiteral(": ") + QString::fromUtf8(value) + u'\n';
        text += u'\n' + QString::fromUtf8(request.body);
        if (request.bodyBytes > request.body.size())
            text += tr("\n… (%1 bytes in all)").arg(request.bodyBytes);
        m_detail->setPlainText(text);
        return;
    }
    m_detail->clear();
}
