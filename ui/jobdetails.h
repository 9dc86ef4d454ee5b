#pragma once

#include "job.h"

#include <QWidget>

#include <optional>

class QFormLayout;
class QLabel;
class QPlainTextEdit;
class QTabWidget;
class QTreeWidget;
class QPushButton;

// The selected job in full: its timeline, attempt history, and payload, result and error as
// formatted JSON.
class JobDetails : public QWidget
{
    Q_OBJECT
public:
    explicit JobDetails(QWidget* parent = nullptr);

    void setJob(const std::optional<Job>& job);
    const std::optional<Job>& job() const { return m_job; }
    QString payloadText() const;
    QString resultText() const;
    QString errorText() const;
    // What the timeline shows beside `label` ("Worker", "Status", ...); empty when it is not shown.
    QString timelineValue(const QString& label) const;
    QTreeWidget* attemptsView() const { return m_history; }
    // The selected attempt's HTTP exchange (http jobs): the request and the answer, side by side.
    QString deliveryRequestText() const;
    QString deliveryAnswerText() const;
    QString deliveryCurl() const; // what "Copy as curl" copies

Q_SIGNALS:
    // A link to another job in the timeline was clicked: a callback job, or the job it reports on.
    void jobLinkActivated(JobId id);

private:
    void showTimeline(const Job& job);
    void showHistory(const Job& job);
    void showDelivery();

    QLabel* m_title;
    QFormLayout* m_timeline;
    QTabWidget* m_tabs;
    QPlainTextEdit* m_payload;
    QPlainTextEdit* m_result;
    QPlainTextEdit* m_error;
    QTreeWidget* m_history;
    QWidget* m_delivery;
    QPlainTextEdit* m_deliveryRequest;
    QPlainTextEdit* m_deliveryAnswer;
    QPushButton* m_copyCurl;
    // GUI thread only
    std::optional<Job> m_job;
};
