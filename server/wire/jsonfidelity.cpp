#include "jsonfidelity.h"

#include <QJsonArray>
#include <QJsonObject>

#include <cmath>
#include <limits>

namespace JsonFidelity {

namespace {

    constexpr qint64 notAnInteger = std::numeric_limits<qint64>::min();

    // Appends the path to the faulty place while unwinding: built on the error path only.
    bool findProblem(const QJsonValue& value, QString* where, QString* what)
    {
        switch (value.type()) {
        case QJsonValue::String:
            if (isExact(value.toString()))
                return false;
            *what = QStringLiteral("contains a lone UTF-16 surrogate (a \\ud800-\\udfff escape without its pair), "
                                   "which is not Unicode and would not be stored as sent");
            return true;
        case QJsonValue::Double:
            // toInteger() is exact for any integer held as one, and fails for fractions and for
            // numbers beyond qint64; the ones that matter are the latter.
            if (value.toInteger(notAnInteger) != notAnInteger || std::fabs(value.toDouble()) < 9007199254740992.0)
                return false;
            *what = QStringLiteral("is a number beyond the 64-bit integer range, which would not be kept exactly; "
                                   "send it as a string");
            return true;
        case QJsonValue::Array: {
            const QJsonArray array = value.toArray();
            for (qsizetype i = 0; i < array.size(); ++i) {
                if (findProblem(array.at(i), where, what)) {
                    where->prepend(QStringLiteral("[%1]").arg(i));
                    return true;
                }
            }
            return false;
        }
        case QJsonValue::Object: {
            const QJsonObject object = value.toObject();
            for (auto it = object.begin(); it != object.end(); ++it) {
                if (!isExact(it.key())) {
                    *what = QStringLiteral("has a key with a lone UTF-16 surrogate, which is not Unicode");
                    return true;
                }
                if (findProblem(it.value(), where, what)) {
                    where->prepend(QLatin1Char('.') + it.key());
                    return true;
                }
            }
            return false;
        }
        default:
            return false;
        }
    }

} // namespace

bool isExact(QStringView text)
{
    const char16_t* p = text.utf16();
    const char16_t* const end = p + text.size();
    for (; p != end; ++p) {
        if ((*p & 0xF800) != 0xD800) // most characters: not a surrogate at all
            continue;
        if ((*p & 0xFC00) != 0xD800 || p + 1 == end || (p[1] & 0xFC00) != 0xDC00)
            return false; // a low half first, or a high half without a low one
        ++p;
    }
    return true;
}

std::optional<Problem> problem(const QJsonValue& value, const QString& path)
{
    QString where;
    QString what;
    if (!findProblem(value, &where, &what))
        return std::nullopt;
    return Problem { path + where, what };
}

} // namespace JsonFidelity
