#pragma once

#include <QJsonValue>
#include <QString>

#include <optional>

// What QueueLab could not store exactly as it was sent: a string with a lone UTF-16 surrogate
// (JSON's "\ud800" without its pair is no character; as UTF-8 it would be stored as "?"), or a
// number beyond the 64-bit integer range (integers within it are kept exactly; beyond it only a
// double holds them, and 18446744073709551617 would come back as 18446744073709551616).
namespace JsonFidelity {

struct Problem
{
    QString field; // `path` and the way down to it: "payload.items[3]"
    QString message;
};
// The first such place in `value`, none when all of it is kept exactly.
std::optional<Problem> problem(const QJsonValue& value, const QString& path);
// A string that is valid Unicode: no lone surrogate.
bool isExact(QStringView text);

} // namespace JsonFidelity
