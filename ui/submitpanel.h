#pragma once

#include "backgroundtask.h"
#include "engine.h"

#include <QWidget>

class QComboBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QSpinBox;

// The hand submission form: a job type with its example payload, a JSON editor that explains
// parse errors before anything is sent, the job options, and a count to submit N copies as one
// batch off the GUI thread. The last used settings persist.
class SubmitPanel : public QWidget
{
    Q_OBJECT
public:
    SubmitPanel(Engine* engine, QThreadPool* pool, QWidget* parent = nullptr);

    // The form as a job object of the API (without the payload when it does not parse).
    QJsonObject specObject() const;
    QString validationError() const; // empty when the form can be submitted
    bool isSubmitting() const { return m_submit.isBusy(); }

    QComboBox* typeBox() const { return m_type; }
    QPlainTextEdit* payloadEdit() const { return m_payload; }
    QLineEdit* queueEdit() const { return m_queue; }
    QLineEdit* callbackEdit() const { return m_callback; }
    QSpinBox* countBox() const { return m_count; }
    QPushButton* submitButton() const { return m_submitButton; }
    QLabel* errorLabel() const { return m_error; }
    QLabel* resultLabel() const { return m_result; }

    void submit();
    void focusEditor();

Q_SIGNALS:
    void submitted(int count);

private:
    void useExample();
    void validate();
    void showResult(const EngineResult<QList<Job>>& result, int count);
    void loadSettings();
    void saveSettings() const;

    // set at construction, immutable
    Engine* m_engine;
    QComboBox* m_type;
    QPlainTextEdit* m_payload;
    QLabel* m_error;
    QLineEdit* m_queue;
    QSpinBox* m_priority;
    QSpinBox* m_delay;
    QSpinBox* m_timeout;
    QSpinBox* m_attempts;
    QSpinBox* m_count;
    QLineEdit* m_callback;
    QPushButton* m_submitButton;
    QLabel* m_result;
    // GUI thread only
    BackgroundTask m_submit;
    std::optional<JobSpec> m_spec; // the valid form, or nothing
    QString m_validationError;
};
