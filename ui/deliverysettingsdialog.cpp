#include "deliverysettingsdialog.h"

#include "engine.h"

#include <QDialogButtonBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QVBoxLayout>

#include <array>

DeliverySettingsDialog::DeliverySettingsDialog(Engine* engine, QWidget* parent)
    : QDialog(parent)
    , m_engine(engine)
    , m_targets(new QPlainTextEdit(this))
    , m_secret(new QLineEdit(this))
    , m_error(new QLabel(this))
{
    setWindowTitle(tr("Delivery settings"));
    m_targets->setPlainText(m_engine->allowedHttpTargets().join(u'\n'));
    m_targets->setPlaceholderText(tr("One HOST or HOST:PORT a line, e.g. api.example.test:8443"));
    m_targets->setAccessibleName(tr("Allowed targets"));
    m_targets->setTabChangesFocus(true);
    m_secret->setText(m_engine->webhookSecret());
    m_secret->setEchoMode(QLineEdit::PasswordEchoOnEdit);
    m_secret->setPlaceholderText(tr("none: deliveries go unsigned"));
    m_secret->setAccessibleName(tr("Webhook secret"));
    m_error->setWordWrap(true);
    m_error->setStyleSheet(QStringLiteral("color: #c62828;"));
    m_error->setAccessibleName(tr("Problem with the settings"));
    m_error->hide();

    auto* generate = new QPushButton(tr("&Generate"), this);
    generate->setToolTip(tr("A new random secret; receivers must be given it to verify signatures"));
    connect(generate, &QPushButton::clicked, this, &DeliverySettingsDialog::generateSecret);
    auto* secretRow = new QHBoxLayout;
    secretRow->addWidget(m_secret, 1);
    secretRow->addWidget(generate);

    auto* note = new QLabel(tr("Loopback hosts are always allowed. These settings hold until QueueLab quits; "
                               "--allow-http-target and --webhook-secret set them at start. The secret is "
                               "not written to disk."),
        this);
    note->setWordWrap(true);

    auto* form = new QFormLayout;
    form->addRow(tr("Allowed &targets"), m_targets);
    form->addRow(tr("Webhook &secret"), secretRow);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    connect(buttons, &QDialogButtonBox::accepted, this, &DeliverySettingsDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &DeliverySettingsDialog::reject);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(note);
    layout->addWidget(m_error);
    layout->addWidget(buttons);
}

bool DeliverySettingsDialog::apply()
{
    const auto fail = [this](const EngineError& error) {
        m_error->setText(error.message);
        m_error->show();
        return false;
    };
    // The secret first: a bad one leaves the targets as they were too.
    const auto secret = m_engine->setWebhookSecret(m_secret->text());
    if (const auto* error = std::get_if<EngineError>(&secret))
        return fail(*error);
    const QStringList targets
        = m_targets->toPlainText().split(QRegularExpression(QStringLiteral("[\\s,]+")), Qt::SkipEmptyParts);
    const auto allowed = m_engine->setAllowedHttpTargets(targets);
    if (const auto* error = std::get_if<EngineError>(&allowed))
        return fail(*error);
    m_error->hide();
    return true;
}

void DeliverySettingsDialog::accept()
{
    if (apply())
        QDialog::accept();
}

void DeliverySettingsDialog::generateSecret()
{
    std::array<quint32, 6> words; // 24 bytes of key, as Standard Webhooks' examples have
    QRandomGenerator::system()->fillRange(words.data(), qsizetype(words.size()));
    const QByteArray key(reinterpret_cast<const char*>(words.data()), qsizetype(sizeof(words)));
    m_secret->setText(QStringLiteral("whsec_") + QString::fromLatin1(key.toBase64()));
}
