#pragma once

#include <QDialog>

class Engine;
class QLabel;
class QLineEdit;
class QPlainTextEdit;

// Where http jobs and completion callbacks may go beside loopback hosts, and the Standard
// Webhooks secret that signs them: what --allow-http-target and --webhook-secret set at start,
// changed for the running server through the engine. Nothing here is written to disk: a restart
// starts from the command line again, and a secret never lies in a settings file in plain text.
class DeliverySettingsDialog : public QDialog
{
    Q_OBJECT
public:
    explicit DeliverySettingsDialog(Engine* engine, QWidget* parent = nullptr);

    // Hands the form to the engine; false, with the engine's message shown, if it refused it.
    bool apply();
    void accept() override; // applies, and closes only if that worked

    QPlainTextEdit* targetsEdit() const { return m_targets; }
    QLineEdit* secretEdit() const { return m_secret; }
    QLabel* errorLabel() const { return m_error; }

private:
    void generateSecret();

    Engine* const m_engine;
    QPlainTextEdit* m_targets;
    QLineEdit* m_secret;
    QLabel* m_error;
};
