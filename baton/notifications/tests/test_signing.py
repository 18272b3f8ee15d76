"""Signatures against known vectors.

Each expected value comes from outside the code under test: the providers' own worked examples
(Aliyun, Tencent Cloud), values computed once with the ``openssl`` command line (noted beside them),
and a step-by-step re-computation with ``hmac`` written in the test.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from urllib.parse import parse_qs, urlsplit

from baton.notifications.channels import robots, webhook
from baton.notifications.channels.sms import aliyun, tencent

# ---------------------------------------------------------------------------- DingTalk


def test_dingtalk_sign_matches_openssl_and_the_documented_recipe() -> None:
    # printf '1700000000000\nSECexample' | openssl dgst -sha256 -hmac 'SECexample' -binary | base64
    assert robots.dingtalk_sign("SECexample", 1700000000000) == "uroalHrWHORz59talE1o26b8HuX2kOp8WlAN91F9Pj0="

    secret, timestamp = "SEC0f1e2d3c4b5a69788796a5b4c3d2e1f0", 1764000000123
    string_to_sign = f"{timestamp}\n{secret}".encode()
    expected = base64.b64encode(hmac.new(secret.encode(), string_to_sign, hashlib.sha256).digest()).decode()
    assert robots.dingtalk_sign(secret, timestamp) == expected


def test_dingtalk_url_carries_timestamp_and_url_encoded_sign() -> None:
    url = robots.dingtalk_signed_url(
        "https://oapi.dingtalk.com/robot/send?access_token=abc", "SECexample", 1700000000000
    )
    assert url.startswith(
        "https://oapi.dingtalk.com/robot/send?access_token=abc&timestamp=1700000000000&sign="
    )
    raw_sign = url.split("&sign=", 1)[1]
    # "+", "/" and "=" of the Base64 text must be percent-encoded in the query.
    assert raw_sign == "uroalHrWHORz59talE1o26b8HuX2kOp8WlAN91F9Pj0%3D"
    query = parse_qs(urlsplit(url).query)
    assert query == {
        "access_token": ["abc"],
        "timestamp": ["1700000000000"],
        "sign": ["uroalHrWHORz59talE1o26b8HuX2kOp8WlAN91F9Pj0="],
    }
    assert robots.dingtalk_signed_url("https://x.test/send", "s", 1).startswith(
        "https://x.test/send?timestamp=1&"
    )


# ---------------------------------------------------------------------------- Feishu


def test_feishu_sign_uses_the_string_as_key_over_an_empty_message() -> None:
    # printf '' | openssl dgst -sha256 -hmac $'1599360473\ntestsecret' -binary | base64
    assert robots.feishu_sign("testsecret", 1599360473) == "363UeKLKin0EeG+hrOQd23TNUSH+orqAFf6mWFdhcD4="

    key = b"1700000000\nanother-secret"
    expected = base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
    assert robots.feishu_sign("another-secret", 1700000000) == expected
    # Not the DingTalk recipe (message = string, key = secret): a mix-up would not verify.
    assert expected != base64.b64encode(hmac.new(b"another-secret", key, hashlib.sha256).digest()).decode()


# ---------------------------------------------------------------------------- webhook


def test_webhook_signature_is_hmac_sha256_hex_of_the_body() -> None:
    # printf '{"a":1}' | openssl dgst -sha256 -hmac 'whsec'
    assert (
        webhook.signature("whsec", b'{"a":1}')
        == "sha256=19373ef0e8c66f206e49d251e4402291615bbce6ef00922e94a47a213fb76ee1"
    )


# ---------------------------------------------------------------------------- Aliyun SMS

# The worked example of Aliyun's "短信服务 HTTP 协议及签名" document.
ALIYUN_EXAMPLE = {
    "AccessKeyId": "testId",
    "Action": "SendSms",
    "Format": "XML",
    "OutId": "123",
    "PhoneNumbers": "15300000001",
    "RegionId": "cn-hangzhou",
    "SignName": "阿里云短信测试专用",
    "SignatureMethod": "HMAC-SHA1",
    "SignatureNonce": "45e25e9b-0a6f-4070-8c85-2956eda1b466",
    "SignatureVersion": "1.0",
    "TemplateCode": "SMS_71390007",
    "TemplateParam": '{"customer":"test"}',
    "Timestamp": "2017-07-12T02:42:19Z",
    "Version": "2017-05-25",
}
ALIYUN_QUERY = (
    "AccessKeyId=testId&Action=SendSms&Format=XML&OutId=123&PhoneNumbers=15300000001&RegionId=cn-hangzhou"
    "&SignName=%E9%98%BF%E9%87%8C%E4%BA%91%E7%9F%AD%E4%BF%A1%E6%B5%8B%E8%AF%95%E4%B8%93%E7%94%A8"
    "&SignatureMethod=HMAC-SHA1&SignatureNonce=45e25e9b-0a6f-4070-8c85-2956eda1b466&SignatureVersion=1.0"
    "&TemplateCode=SMS_71390007&TemplateParam=%7B%22customer%22%3A%22test%22%7D"
    "&Timestamp=2017-07-12T02%3A42%3A19Z&Version=2017-05-25"
)


def test_aliyun_signature_matches_the_documented_example() -> None:
    assert aliyun.canonical_query(ALIYUN_EXAMPLE) == ALIYUN_QUERY
    to_sign = aliyun.string_to_sign(ALIYUN_EXAMPLE)
    assert to_sign.startswith("GET&%2F&AccessKeyId%3DtestId%26Action%3DSendSms%26Format%3DXML%26OutId%3D123")
    assert "%26SignName%3D%25E9%2598%25BF%25E9%2587%258C" in to_sign
    assert to_sign.endswith("%26Timestamp%3D2017-07-12T02%253A42%253A19Z%26Version%3D2017-05-25")
    assert aliyun.signature("testSecret", ALIYUN_EXAMPLE) == "zJDF+Lrzhj/ThnlvIToysFRq6t4="
    assert aliyun.signed_url("http://dysmsapi.aliyuncs.com/", "testSecret", ALIYUN_EXAMPLE) == (
        "http://dysmsapi.aliyuncs.com/?Signature=zJDF%2BLrzhj%2FThnlvIToysFRq6t4%3D&" + ALIYUN_QUERY
    )


def test_aliyun_percent_encoding_is_rfc3986() -> None:
    assert aliyun.percent("a b*c~d+e/é") == "a%20b%2Ac~d%2Be%2F%C3%A9"


# ---------------------------------------------------------------------------- Tencent Cloud SMS

# The worked example of Tencent Cloud's "签名方法 v3" document (CVM DescribeInstances), whose keys
# are printed masked; the signature below is the one the document gives for exactly these strings.
TC_ID = "AKIDz8krbsJ5yKBZQpn74WFkmLPx3*******"
TC_KEY = "Gu5t9xGARNpq86cd98joQYCN3*******"
TC_PAYLOAD = b'{"Limit": 1, "Filters": [{"Values": ["\\u672a\\u547d\\u540d"], "Name": "instance-name"}]}'


def test_tencent_tc3_matches_the_documented_example() -> None:
    request = tencent.canonical_request(host="cvm.tencentcloudapi.com", payload=TC_PAYLOAD)
    assert request == (
        "POST\n/\n\ncontent-type:application/json; charset=utf-8\nhost:cvm.tencentcloudapi.com\n\n"
        "content-type;host\n35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f064"
    )
    assert tencent.string_to_sign(timestamp=1551113065, service="cvm", request=request) == (
        "TC3-HMAC-SHA256\n1551113065\n2019-02-25/cvm/tc3_request\n"
        "5ffe6a04c0664d6b969fab9a13bdab201d63ee709638e2749d62a09ca18d7031"
    )
    authorization = tencent.authorization(
        secret_id=TC_ID,
        secret_key=TC_KEY,
        service="cvm",
        host="cvm.tencentcloudapi.com",
        payload=TC_PAYLOAD,
        timestamp=1551113065,
    )
    assert authorization == (
        f"TC3-HMAC-SHA256 Credential={TC_ID}/2019-02-25/cvm/tc3_request, SignedHeaders=content-type;host, "
        "Signature=2230eefd229f582d8b1b891af7107b91597240707d778ab3738f756258d7652c"
    )


def test_tencent_derived_keys_step_by_step() -> None:
    payload, timestamp = b'{"PhoneNumberSet":["+8613800000000"]}', 1764000000
    date = "2025-11-24"

    def mac(key: bytes, text: str) -> bytes:
        return hmac.new(key, text.encode(), hashlib.sha256).digest()

    canonical = (
        "POST\n/\n\ncontent-type:application/json; charset=utf-8\nhost:sms.tencentcloudapi.com\n\n"
        f"content-type;host\n{hashlib.sha256(payload).hexdigest()}"
    )
    hashed_request = hashlib.sha256(canonical.encode()).hexdigest()
    to_sign = f"TC3-HMAC-SHA256\n{timestamp}\n{date}/sms/tc3_request\n{hashed_request}"
    signing_key = mac(mac(mac(b"TC3secret", date), "sms"), "tc3_request")
    signature = hmac.new(signing_key, to_sign.encode(), hashlib.sha256).hexdigest()
    authorization = tencent.authorization(
        secret_id="id",
        secret_key="secret",
        service="sms",
        host="sms.tencentcloudapi.com",
        payload=payload,
        timestamp=timestamp,
    )
    assert authorization == (
        f"TC3-HMAC-SHA256 Credential=id/{date}/sms/tc3_request, SignedHeaders=content-type;host, "
        f"Signature={signature}"
    )


def test_phone_formats_per_provider() -> None:
    assert aliyun.phone_for_aliyun("+8613800000000") == "13800000000"
    assert aliyun.phone_for_aliyun("+85291234567") == "0085291234567"
    assert aliyun.phone_for_aliyun("13800000000") == "13800000000"
    assert tencent.phone_for_tencent("13800000000") == "+8613800000000"
    assert tencent.phone_for_tencent("0085291234567") == "+85291234567"
    assert tencent.phone_for_tencent("+8613800000000") == "+8613800000000"
