#include "jsontext.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonParseError>

namespace JsonText {

QString ParseResult::errorText() const
{
    if (isValid())
        return {};
    return QObject::tr("Line %1, column %2: %3").arg(line).arg(column).arg(error);
}

ParseResult parse(const QString& text)
{
    if (text.trimmed().isEmpty())
        return { QJsonValue(QJsonValue::Null), {}, 0, 0 };

    // QJsonDocument parses only arrays and objects at the top: wrap the text in one and unwrap.
    const QByteArray utf8 = text.toUtf8();
    const QByteArray wrapped = QByteArrayLiteral("[") + utf8 + QByteArrayLiteral("\n]");
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(wrapped, &parseError);

    const auto at = [&](qsizetype byteOffset, const QString& message) {
        const QByteArray before = utf8.left(qBound<qsizetype>(0, byteOffset, utf8.size()));
        const qsizetype lineStart = before.lastIndexOf('\n') + 1;
        return ParseResult { QJsonValue(), message, int(before.count('\n')) + 1,
            int(QString::fromUtf8(before.mid(lineStart)).size()) + 1 };
    };

    if (parseError.error != QJsonParseError::NoError) {
        // Qt's offset usually lies just past the offending character (and past the added "[").
        qsizetype offset = parseError.offset - 2;
        while (offset >= 0 && offset < parseError.offset - 1 && offset < utf8.size()
            && QChar::isSpace(uchar(utf8.at(offset))))
            ++offset;
        return at(offset, parseError.errorString());
    }
    const QJsonArray array = document.array();
    if (array.size() != 1)
        return at(utf8.size(), QObject::tr("expected one JSON value, found %1").arg(array.size()));
    return { array.first(), {}, 0, 0 };
}

QString format(const QJsonValue& value)
{
    if (value.isObject())
        return QString::fromUtf8(QJsonDocument(value.toObject()).toJson(QJsonDocument::Indented)).trimmed();
    if (value.isArray())
        return QString::fromUtf8(QJsonDocument(value.toArray()).toJson(QJsonDocument::Indented)).trimmed();
    if (value.isUndefined())
        return QStringLiteral("null");
    // A scalar: serialise it inside an array and strip the brackets.
    const QByteArray json = QJsonDocument(QJsonArray { value }).toJson(QJsonDocument::Compact);
    return QString::fromUtf8(json.mid(1, json.size() - 2));
}

} // namespace JsonText
