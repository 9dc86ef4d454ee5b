#pragma once

#include <QJsonValue>
#include <QString>

// JSON as people type and read it in the dashboard: any value (not only objects), errors with a
// line and column, and indented output.
namespace JsonText {

struct ParseResult
{
    QJsonValue value;
    QString error; // empty when valid
    int line = 0; // 1-based, where the error is
    int column = 0;

    bool isValid() const { return error.isEmpty(); }
    QString errorText() const; // "Line 3, column 7: missing value separator"
};

ParseResult parse(const QString& text); // blank text is null
QString format(const QJsonValue& value); // indented

} // namespace JsonText
