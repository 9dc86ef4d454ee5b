#include "echohandler.h"

QJsonValue EchoHandler::examplePayload() const
{
    return QJsonObject { { QStringLiteral("message"), QStringLiteral("hello") } };
}

JobOutcome EchoHandler::run(const JobContext& context) const
{
    return JobOutcome::success(context.payload());
}
