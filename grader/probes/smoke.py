def echo(sub, **kw):
    return {"kw": kw, "attr": sub.VALUE}
