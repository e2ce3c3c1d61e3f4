SELECT x.*, small.id4 AS small_id4, small.v2 FROM x JOIN small ON x.id1 = small.id1
