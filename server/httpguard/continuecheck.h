#pragma once

#include "httpheaders.h"
#include "requesthead.h"

#include <QString>

#include <functional>
#include <optional>

// Asked by the guard before it answers "Expect: 100-continue": a client must not send its body
// to a request that will be refused anyway (unknown route, wrong token, Host or content type).
struct HeadRefusal
{
    int status = 0;
    QString code;
    QString message;
    HttpHeaders headers;
};
using ContinueCheck = std::function<std::optional<HeadRefusal>(const RequestHead& head)>;
