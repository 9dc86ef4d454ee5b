#include "faktorycommand.h"

#include "jobspec.h"

#include <QJsonDocument>
#include <QJsonParseError>

std::variant<FaktoryCommand, FaktorySyntaxError> parseFaktoryCommand(QByteArrayView line)
{
    if (line.isEmpty())
        return FaktorySyntaxError { QStringLiteral("empty command line") };
    const qsizetype space = line.indexOf(' ');
    FaktoryCommand command;
    command.verb = line.first(space < 0 ? line.size() : space).toByteArray();
    for (const char c : std::as_const(command.verb)) {
        if (c < 'A' || c > 'Z')
            return FaktorySyntaxError { QStringLiteral("a command starts with its verb in capitals, e.g. PUSH") };
    }
    if (space >= 0) {
        command.hasArgument = true;
        command.argument = line.sliced(space + 1).toByteArray();
        if (command.argument.isEmpty() || command.argument.startsWith(' '))
            return FaktorySyntaxError {
                QStringLiteral("one space separates %1 from its argument").arg(QString::fromLatin1(command.verb))
            };
    }
    return command;
}

namespace {

std::variant<QJsonDocument, FaktorySyntaxError> parseJson(QByteArrayView json, const char* what)
{
    QJsonParseError error;
    const QJsonDocument document = QJsonDocument::fromJson(json.toByteArray(), &error);
    if (error.error != QJsonParseError::NoError) {
        return FaktorySyntaxError { QStringLiteral("%1 is not valid JSON: %2 at offset %3")
                                        .arg(QLatin1StringView(what), error.errorString())
                                        .arg(error.offset) };
    }
    return document;
}

} // namespace

std::variant<QJsonObject, FaktorySyntaxError> parseJsonObject(QByteArrayView json, const char* what)
{
    auto parsed = parseJson(json, what);
    if (auto* error = std::get_if<FaktorySyntaxError>(&parsed))
        return *error;
    const QJsonDocument& document = std::get<QJsonDocument>(parsed);
    if (!document.isObject())
        return FaktorySyntaxError { QStringLiteral("%1 must be a JSON object").arg(QLatin1StringView(what)) };
    return document.object();
}

std::variant<QJsonArray, FaktorySyntaxError> parseJsonArray(QByteArrayView json, const char* what)
{
    auto parsed = parseJson(json, what);
    if (auto* error = std::get_if<FaktorySyntaxError>(&parsed))
        return *error;
    const QJsonDocument& document = std::get<QJsonDocument>(parsed);
    if (!document.isArray())
        return FaktorySyntaxError { QStringLiteral("%1 must be a JSON array").arg(QLatin1StringView(what)) };
    return document.array();
}

std::variant<QStringList, FaktorySyntaxError> parseQueueNames(const FaktoryCommand& command)
{
    if (!command.hasArgument)
        return QStringList { QStringLiteral("default") };
    QStringList queues;
    for (const QByteArray& name : command.argument.split(' ')) {
        const QString queue = QString::fromUtf8(name);
        if (!isValidQueueName(queue))
            return FaktorySyntaxError { QStringLiteral("\"%1\" is not a valid queue name").arg(queue) };
        if (!queues.contains(queue))
            queues.append(queue);
    }
    return queues;
}
