/// A 2048-bit RSA key made with `openssl genpkey` for these tests only (RSA key generation at test time is slow in
/// debug builds). Never used anywhere else.
enum TestKeys {
    static let rsaPrivatePEM = """
        -----BEGIN PRIVATE KEY-----
        MIIEvAIBADANBgkqhkiG9w0BAQEFAASCBKYwggSiAgEAAoIBAQCWa85nHp9zS2f+
        XpAj7LQ2of/+RQYHlOFl7EPj1uHNpLXJCzDJTPHRkYfzrLoD+uIIShwpPhYQjn5z
        M/Qrebi9y4I5OAgM19k8nluMBv4rRSTXSnVBbvIVES76iwJT5hWTaPZOLqvo/L2z
        dwae7G4TxFBmMbKjkIAn0j2irIVfox3glbxIQsPyjyWP/6pw2VzUluL4bkd6Dmbl
        94JFZe2nQweQG2YZMuqik91Ozs/8948RhpFTIOA65oVdqCrAQ0mHSGlM9F18VPZB
        LygA4J31pl1yUGCOXpMzWv4qpKtH+jkQE4Le8nGNH9BJrvM6N+YC5jG8zB9w7tOd
        pdKwU0LlAgMBAAECggEACZ2jqLDq9YZdBARMh5din9l0UW9dJs/sJsVXQ7HhZnGA
        k3UNLdkm3kRE4h1pGMcJewktyq8m3vEVAU1RbxQNbMidLwY3cYa84uSmqolp5x84
        7zBZ1ZB/ljwueiK3x+A+AdnkYPQX1kGN6PKTcEZh9Q6IKzhDGLSslJ8ahJMtxYLB
        RBdbyNKHcn2nY++cQekDGApKrznuOoD0fT1d2f+2xZ3uHypTHFs0cIhD4jsnn2JI
        Tk9HvSvDX34SKHQWpLKwMtZXheFtU0u189KboHrzP8s85bJtwe6X5estdIk6o6dO
        O2aIGk31U8HPJzOCiqd8/pa9GlRFeLEAN7ayaeTigwKBgQDUPyH2CYEl4/DfMd2N
        ZyfAwDeLbHOhaT2y5STz7Vp3FRdq/s9OuKzZpaYMsGWfKYvGETxWBMtswrQQEDD+
        xAe1Jj6SH/jUNFromllTYp7v7A8ytZhSUg8664Z0KU8yTXmU2maC3/CpCBd68HZn
        zAzFhoDGzkHhZEB+5ervIhnEvwKBgQC1bfarUTix4m7dUo3E1NJFJ4FdIwYjpAlw
        j9E8l+0boFWbVvHxwXpwNLSYV1fgWRgms0L83AlXh2KZkSerCTKDBgzngfudhh5V
        qX1adq+vhQYPpBqunVLOw0IMFcMlRYsBeV06HfvJdCDvBv5zChOP0JW1qMP/uXzu
        16HT99ttWwKBgDDflL9l8uI5ubZ7cgvkjAfbey7Uu0+Yv0dZcofkyOcQ6UKPCEeV
        SOAZP8I+QDhFRdVHFMCt+/XAY9wrDk0r8KZq9w+I4zBiGejj2dvUosqWbe18WWXj
        VXR41Y4cEQuBQZTgMajDTlRt85IwmuNN3kcBsNeWmR8AicVuxglorcxbAoGAcitt
        s2ccL0yXiWz+y6NFYsE2df6pSVpbmlrWR7QvQFhIJsWy4Pho7R0tnEQyh3ppaUkb
        WXW55zvJ/2tJtCbIg40WJ8UzKnCQvEU5HelcKy6hnswdAk78IiLbeDFlqRm3HMlb
        skvV+3K5mtEi5A+uOaz/2N4H4O+/v6kwK+xoR8sCgYBM7oAPltrhoZkRjhCRK2Mh
        xwRtdypYnsE4ACS6zpnASNgGlgYQO/FdL6cGyt7o3FfFvvv8CmSWOxUnQbb0927q
        pbK6Zc6LRfOVSKQsY3mFrad/BIaPqmJNcm3RL8ovEqzMIFCmnyCOPK64jWJuDkBq
        342PJNi3gxnQj/ve3Yd+jg==
        -----END PRIVATE KEY-----
        """

    static let rsaPublicPEM = """
        -----BEGIN PUBLIC KEY-----
        MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAlmvOZx6fc0tn/l6QI+y0
        NqH//kUGB5ThZexD49bhzaS1yQswyUzx0ZGH86y6A/riCEocKT4WEI5+czP0K3m4
        vcuCOTgIDNfZPJ5bjAb+K0Uk10p1QW7yFREu+osCU+YVk2j2Ti6r6Py9s3cGnuxu
        E8RQZjGyo5CAJ9I9oqyFX6Md4JW8SELD8o8lj/+qcNlc1Jbi+G5Heg5m5feCRWXt
        p0MHkBtmGTLqopPdTs7P/PePEYaRUyDgOuaFXagqwENJh0hpTPRdfFT2QS8oAOCd
        9aZdclBgjl6TM1r+KqSrR/o5EBOC3vJxjR/QSa7zOjfmAuYxvMwfcO7TnaXSsFNC
        5QIDAQAB
        -----END PUBLIC KEY-----
        """
}
