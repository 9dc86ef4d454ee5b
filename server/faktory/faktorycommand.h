#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QJsonArray>
#include <QJsonObject>
#include <QString>
#include <QStringList>

#include <optional>
#include <variant>

// One client command line of the Faktory work protocol: a verb, then optionally one space and
// its argument (JSON for most verbs, queue names for FETCH). The line's CRLF is already gone.
struct FaktoryCommand
{
    QByteArray verb;
    QByteArray argument; // empty when the verb came alone
    bool hasArgument = false;
};

// What is wrong with a line or an argument, in words for the client's log.
struct FaktorySyntaxError
{
    QString message;
};

std::variant<FaktoryCommand, FaktorySyntaxError> parseFaktoryCommand(QByteArrayView line);

// The argument as a JSON object / array; `what` names it in the error ("PUSH's job").
std::variant<QJsonObject, FaktorySyntaxError> parseJsonObject(QByteArrayView json, const char* what);
std::variant<QJsonArray, FaktorySyntaxError> parseJsonArray(QByteArrayView json, const char* what);

// FETCH's queue names, in order: single spaces between valid names; none means "default".
std::variant<QStringList, FaktorySyntaxError> parseQueueNames(const FaktoryCommand& command);
