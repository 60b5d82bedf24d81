<?xml version='1.0' encoding='utf-8'?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name />
    <message>
        <location filename="../../ui/messages.py" line="31" />
        <source>No money was taken.</source>
        <translation>没有收取任何费用。</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="37" />
        <source>You paid %1 yuan. It is recorded; a voucher was printed. Take it to the service counter to get your gas or your money.</source>
        <translation>您已付款 %1 元，已记录在案，并已打印凭证。请持凭证到服务柜台领取燃气或退款。</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="40" />
        <location filename="../../ui/messages.py" line="41" />
        <source>You paid %1 yuan. It is recorded and is not lost.</source>
        <translation>您已付款 %1 元，已记录在案，不会丢失。</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="85" />
        <source>The card was removed while it was being written</source>
        <translation>写卡过程中卡被拔出</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="86" />
        <source>We cannot tell yet whether the gas reached your card.</source>
        <translation>暂时无法确定燃气是否已写入您的卡。</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="88" />
        <source>Insert the same card again: the kiosk will check it and finish.</source>
        <translation>请重新插入同一张卡，本机会核对并完成本次购气。</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="89" />
        <source>Insert the card again</source>
        <translation>重新插卡</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="66" />
        <location filename="../../ui/messages.py" line="69" />
        <location filename="../../ui/messages.py" line="73" />
        <location filename="../../ui/messages.py" line="83" />
        <location filename="../../ui/messages.py" line="90" />
        <location filename="../../ui/messages.py" line="99" />
        <location filename="../../ui/messages.py" line="104" />
        <location filename="../../ui/messages.py" line="110" />
        <location filename="../../ui/messages.py" line="115" />
        <location filename="../../ui/messages.py" line="130" />
        <location filename="../../ui/messages.py" line="136" />
        <location filename="../../ui/messages.py" line="142" />
        <location filename="../../ui/messages.py" line="172" />
        <location filename="../../ui/messages.py" line="179" />
        <location filename="../../ui/messages.py" line="184" />
        <location filename="../../ui/messages.py" line="198" />
        <location filename="../../ui/messages.py" line="200" />
        <location filename="../../ui/window.py" line="155" />
        <source>Call staff</source>
        <translation>呼叫工作人员</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="33" />
        <source>You paid %1 yuan. It is recorded under transaction number %2, but no voucher could be printed. Staff will settle it: please call staff.</source>
        <translation>您已付款 %1 元，已记录在交易号 %2 下，但未能打印凭证。工作人员会为您处理：请呼叫工作人员。</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="47" />
        <source>The note went in and was counted; then the machine jammed. Staff have to clear it.</source>
        <translation>纸币已收入并已计数，随后机器卡钞。需由工作人员处理。</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="49" />
        <source>A note of %1 yuan is stuck in the machine. It was not counted; it is recorded under transaction number %2 and staff will take it out and settle it.</source>
        <translation>一张 %1 元纸币卡在机内，未计入金额；已记录在交易号 %2 下，工作人员会取出并为您处理。</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="92" />
        <source>The card was removed</source>
        <translation>卡已被拔出</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="92" />
        <source>The card left the reader before we finished.</source>
        <translation>操作完成前卡离开了读卡器。</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="93" />
        <source>Start again and leave the card in until you are told to take it.</source>
        <translation>请重新开始，听到提示前请不要拔卡。</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="70" />
        <location filename="../../ui/messages.py" line="73" />
        <location filename="../../ui/messages.py" line="94" />
        <location filename="../../ui/messages.py" line="171" />
        <location filename="../../ui/messages.py" line="179" />
        <location filename="../../ui/messages.py" line="187" />
        <location filename="../../ui/messages.py" line="190" />
        <location filename="../../ui/messages.py" line="193" />
        <source>Start again</source>
        <translation>重新开始</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="101" />
        <source>This card is blocked</source>
        <translation>此卡已被冻结</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="102" />
        <source>The gas company has blocked this card (for example reported lost).</source>
        <translation>燃气公司已冻结此卡（例如已挂失）。</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="103" />
        <location filename="../../ui/messages.py" line="129" />
        <source>Please take your card to the service counter.</source>
        <translation>请持卡到服务柜台办理。</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="99" />
        <location filename="../../ui/messages.py" line="104" />
        <location filename="../../ui/messages.py" line="110" />
        <location filename="../../ui/messages.py" line="115" />
        <location filename="../../ui/messages.py" line="120" />
        <location filename="../../ui/messages.py" line="130" />
        <location filename="../../ui/messages.py" line="136" />
        <location filename="../../ui/messages.py" line="142" />
        <location filename="../../ui/messages.py" line="147" />
        <location filename="../../ui/messages.py" line="184" />
        <source>Take the card and finish</source>
        <translation>取卡并结束</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="53" />
        <source>A note is stuck inside the machine before it could be checked, so the kiosk does not know its value. It was not counted; it is recorded under transaction number %1 as a note of unknown value, and staff will take it out and settle it with you.</source>
        <translation>一张纸币在识别之前卡在机内，本机无法知道它的面额。这张纸币没有计入金额；它已作为一张面额不明的纸币记录在交易号 %1 下，工作人员会把它取出，并与您处理。</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="58" />
        <source>A note may be stuck in the machine. It was not counted. Please call staff now and show them this screen.</source>
        <translation>可能有一张纸币卡在机内，它没有计入金额。请现在呼叫工作人员，并把这个画面给他们看。</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="67" />
        <source>None of your money was counted.</source>
        <translation>您的钱都没有被计入。</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="69" />
        <source>Please call staff now.</source>
        <translation>请现在呼叫工作人员。</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="72" />
        <source>Start again (the kiosk prints a slip with the transaction number if it can), or call staff.</source>
        <translation>请重新开始（本机能打印时，会打印一张带交易号的凭条），或呼叫工作人员。</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="96" />
        <source>This card was replaced by a new one</source>
        <translation>此卡已换发新卡</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="97" />
        <source>The gas company has issued a new card for this account; this old card can no longer be used.</source>
        <translation>燃气公司已为此账户换发新卡，这张旧卡不能再使用。</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="98" />
        <source>Use the new card or ask staff.</source>
        <translation>请使用新卡，或咨询工作人员。</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="106" />
        <source>Your last purchase is not confirmed yet</source>
        <translation>您上次的购气尚未确认</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="107" />
        <source>The card shows a load that this kiosk cannot check right now.</source>
        <translation>卡上有一笔充值，本机现在无法核对。</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="108" />
        <source>The money of that purchase is recorded and held for staff; nothing is lost.</source>
        <translation>那笔购气的钱款已记录，由工作人员处理，不会丢失。</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="109" />
        <source>Please try again later, or take the card to the service counter.</source>
        <translation>请稍后再试，或持卡到营业厅柜台办理。</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="112" />
        <source>This kiosk cannot serve this card right now</source>
        <translation>本机暂时无法办理这张卡</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="113" />
        <source>A part this kiosk needs for this kind of card is not working.</source>
        <translation>本机办理这类卡所需的部件暂时不能工作。</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="114" />
        <source>Please use another kiosk or the service counter.</source>
        <translation>请使用其他自助机或到营业厅柜台办理。</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="117" />
        <source>Your meter has not loaded the last purchase</source>
        <translation>燃气表尚未读入上次购买的气量</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="118" />
        <source>The gas bought last time is still on the card, not in the meter.</source>
        <translation>上次购买的气量还在卡里，没有输入燃气表。</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="119" />
        <source>At home, insert the card into the gas meter first, then come back.</source>
        <translation>请先回家把卡插入燃气表，然后再来购气。</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="122" />
        <source>This card is not recognised</source>
        <translation>无法识别此卡</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="123" />
        <source>It is not a gas card of this company, or it is inserted the wrong way.</source>
        <translation>这不是本公司的燃气卡，或者插反了。</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="124" />
        <source>Check the card and insert it the right way round, chip first.</source>
        <translation>请检查卡片，芯片朝前正确插入。</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="125" />
        <source>Try again</source>
        <translation>再试一次</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="127" />
        <source>This card cannot be used here</source>
        <translation>此卡无法在本机使用</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="128" />
        <source>The card's data is damaged or the card is locked.</source>
        <translation>卡内数据损坏或卡已锁定。</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="132" />
        <location filename="../../ui/messages.py" line="138" />
        <source>The gas could not be written to your card</source>
        <translation>燃气未能写入您的卡</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="133" />
        <location filename="../../ui/messages.py" line="139" />
        <source>The card refused the write. The card was not changed.</source>
        <translation>卡片拒绝写入，卡内数据没有改变。</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="135" />
        <location filename="../../ui/messages.py" line="141" />
        <source>Staff can finish this at the service counter.</source>
        <translation>工作人员可在服务柜台为您办理。</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="144" />
        <source>The kiosk cannot sell more while offline</source>
        <translation>本机离线，暂时不能继续售气</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="145" />
        <source>The connection to the gas company is down and today's offline limit is used up.</source>
        <translation>与燃气公司的网络已中断，今天的离线额度已用完。</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="146" />
        <source>Please try again later or go to the service counter.</source>
        <translation>请稍后再试，或到服务柜台办理。</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="149" />
        <source>The receipt printer has no paper</source>
        <translation>凭条打印机缺纸</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="150" />
        <location filename="../../ui/messages.py" line="156" />
        <source>You can still buy gas, but no paper receipt can be printed.</source>
        <translation>您仍然可以购气，但无法打印纸质凭条。</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="151" />
        <location filename="../../ui/messages.py" line="157" />
        <source>Continue without a paper receipt, or cancel.</source>
        <translation>可以不要纸质凭条继续，或者取消。</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="152" />
        <location filename="../../ui/messages.py" line="158" />
        <source>Continue without receipt</source>
        <translation>不要凭条，继续</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="152" />
        <location filename="../../ui/messages.py" line="158" />
        <location filename="../../ui/screens/buy.py" line="272" />
        <location filename="../../ui/screens/buy.py" line="331" />
        <location filename="../../ui/screens/technician.py" line="122" />
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="154" />
        <source>The receipt printer's cover is open</source>
        <translation>凭条打印机的盖子未关好</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="155" />
        <source>The receipt printer is not answering</source>
        <translation>凭条打印机无响应</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="160" />
        <source>The note was not accepted</source>
        <translation>纸币未被接收</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="161" />
        <source>The note was given back to you.</source>
        <translation>纸币已退还给您。</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="162" />
        <source>Try another note, flat and face up.</source>
        <translation>请换一张纸币，平整、正面朝上放入。</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="163" />
        <source>Continue</source>
        <translation>继续</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="63" />
        <source>A note is stuck in the machine</source>
        <translation>有纸币卡在机器里</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="65" />
        <location filename="../../ui/messages.py" line="169" />
        <source>You can buy gas for the money counted so far, or call staff.</source>
        <translation>您可以用已计入的金额购气，或呼叫工作人员。</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="66" />
        <location filename="../../ui/messages.py" line="171" />
        <source>Buy with the money counted</source>
        <translation>用已收金额购气</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="167" />
        <source>The note acceptor stopped working</source>
        <translation>纸币器停止工作</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="168" />
        <source>No more notes can be taken now.</source>
        <translation>现在不能再收纸币。</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="174" />
        <source>The payment could not be confirmed</source>
        <translation>无法确认支付结果</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="175" />
        <source>The kiosk lost contact with the payment service before it could close the payment.</source>
        <translation>本机在关闭这笔支付之前与支付服务失去了联系。</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="176" />
        <source>If you paid, the money is not lost: the kiosk checks again, then writes your gas or gives the money back.</source>
        <translation>如果您已付款，钱不会丢失：本机会再次核实，然后为您写入气量或退回款项。</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="178" />
        <source>Keep the payment record on your phone. Staff can help.</source>
        <translation>请保留手机上的支付记录。工作人员可以协助您。</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="181" />
        <source>This credit cannot be loaded now</source>
        <translation>这笔款项现在无法写入卡内</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="182" />
        <source>The gas company did not confirm the payment made elsewhere for this card.</source>
        <translation>燃气公司未确认您在别处为此卡缴纳的款项。</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="183" />
        <source>Your credit is not lost. Please ask staff at the counter.</source>
        <translation>您的款项不会丢失，请到柜台咨询工作人员。</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="186" />
        <source>The payment did not go through</source>
        <translation>支付没有成功</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="186" />
        <source>The payment was declined or timed out.</source>
        <translation>支付被拒绝或已超时。</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="187" />
        <source>Try again, or pay with cash.</source>
        <translation>请重试，或改用现金支付。</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="189" />
        <source>This amount cannot be bought</source>
        <translation>无法购买这个金额</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="189" />
        <source>The amount is outside the allowed range.</source>
        <translation>金额超出了允许的范围。</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="190" />
        <source>Choose another amount.</source>
        <translation>请选择其他金额。</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="192" />
        <source>Please check the form</source>
        <translation>请检查填写内容</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="192" />
        <source>A field of the repair request is not valid.</source>
        <translation>报修单中有一项填写不正确。</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="193" />
        <source>Correct it and send again.</source>
        <translation>请改正后重新提交。</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="81" />
        <location filename="../../ui/messages.py" line="196" />
        <source>This kiosk is out of service</source>
        <translation>本机暂停服务</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="81" />
        <location filename="../../ui/messages.py" line="196" />
        <source>A part of the kiosk is not working.</source>
        <translation>本机部分设备出现故障。</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="82" />
        <location filename="../../ui/messages.py" line="197" />
        <source>Please use the service counter. Staff have been told.</source>
        <translation>请到服务柜台办理，已通知工作人员。</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="199" />
        <source>Something went wrong</source>
        <translation>出现了问题</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="199" />
        <source>The kiosk could not finish this step.</source>
        <translation>本机未能完成这一步。</translation>
    </message>
    <message>
        <location filename="../../ui/messages.py" line="200" />
        <source>Please call staff; they can help you.</source>
        <translation>请呼叫工作人员，他们会帮助您。</translation>
    </message>
    <message>
        <location filename="../../ui/widgets.py" line="115" />
        <source>Clear</source>
        <translation>清除</translation>
    </message>
    <message>
        <location filename="../../ui/window.py" line="151" />
        <source>Senior</source>
        <translation>长辈版</translation>
    </message>
    <message>
        <location filename="../../ui/window.py" line="152" />
        <source>Repeat</source>
        <translation>重听</translation>
    </message>
    <message>
        <location filename="../../ui/window.py" line="153" />
        <source>Volume</source>
        <translation>音量</translation>
    </message>
    <message>
        <location filename="../../ui/window.py" line="154" />
        <source>Back to start</source>
        <translation>返回首页</translation>
    </message>
    <message>
        <location filename="../../ui/window.py" line="231" />
        <source>Out of service: please use the counter (code %1)</source>
        <translation>暂停服务：请到柜台办理（代码 %1）</translation>
    </message>
    <message>
        <location filename="../../ui/window.py" line="233" />
        <source>Online</source>
        <translation>在线</translation>
    </message>
    <message>
        <location filename="../../ui/window.py" line="233" />
        <source>Offline: cash only, limits apply</source>
        <translation>离线：仅收现金，有限额</translation>
    </message>
    <message>
        <location filename="../../ui/window.py" line="247" />
        <source>Gas cards cannot be topped up here today; repairs, notices and help still work.</source>
        <translation>今天本机暂不能为燃气卡充值；报修、公告和求助仍可使用。</translation>
    </message>
    <message>
        <location filename="../../ui/window.py" line="249" />
        <source>Today this kiosk tops up IC memory cards only; CPU cards at the counter.</source>
        <translation>今天本机只能为 IC 卡充值；CPU 卡请到柜台办理。</translation>
    </message>
    <message>
        <location filename="../../ui/window.py" line="250" />
        <source>Today this kiosk tops up CPU cards only; IC memory cards at the counter.</source>
        <translation>今天本机只能为 CPU 卡充值；IC 卡请到柜台办理。</translation>
    </message>
    <message>
        <location filename="../../ui/window.py" line="264" />
        <source>%1–%2 m³</source>
        <translation>%1–%2 立方米</translation>
    </message>
    <message>
        <location filename="../../ui/window.py" line="265" />
        <source>above %1 m³</source>
        <translation>%1 立方米以上</translation>
    </message>
    <message>
        <location filename="../../ui/window.py" line="266" />
        <source>Tier %1 (%2 a year): %3 yuan per m³</source>
        <translation>第%1档（每年 %2）：每立方米 %3 元</translation>
    </message>
    <message>
        <location filename="../../ui/flow.py" line="68" />
        <location filename="../../ui/screens/buy.py" line="269" />
        <source>Your card was removed. Put it back in to get your gas.</source>
        <translation>您的卡已被拔出，请重新插入才能写入燃气。</translation>
    </message>
    <message>
        <location filename="../../ui/flow.py" line="81" />
        <location filename="../../ui/screens/buy.py" line="268" />
        <source>This is another card. Put back the card you started with.</source>
        <translation>这是另一张卡，请插回您开始时使用的那张卡。</translation>
    </message>
    <message>
        <location filename="../../ui/flow.py" line="157" />
        <source>%1 yuan inserted.</source>
        <translation>已投入 %1 元。</translation>
    </message>
    <message>
        <location filename="../../ui/screens/buy.py" line="25" />
        <source>Tier %1: %2 m³ × %3 yuan = %4 yuan</source>
        <translation>第%1档：%2 立方米 × %3 元 = %4 元</translation>
    </message>
    <message>
        <location filename="../../ui/screens/buy.py" line="111" />
        <source>Not possible: the limit is %1 yuan.</source>
        <translation>无法购买：上限为 %1 元。</translation>
    </message>
    <message>
        <location filename="../../ui/screens/buy.py" line="112" />
        <source>This amount cannot be bought. Choose another.</source>
        <translation>无法购买这个金额，请另选。</translation>
    </message>
    <message>
        <location filename="../../ui/screens/buy.py" line="120" />
        <source>How much gas do you want?</source>
        <translation>您要买多少气？</translation>
    </message>
    <message>
        <location filename="../../ui/screens/buy.py" line="121" />
        <source>By money (yuan)</source>
        <translation>按金额（元）</translation>
    </message>
    <message>
        <location filename="../../ui/screens/buy.py" line="122" />
        <source>By gas (m³)</source>
        <translation>按气量（立方米）</translation>
    </message>
    <message>
        <location filename="../../ui/screens/buy.py" line="130" />
        <location filename="../../ui/screens/buy.py" line="131" />
        <source>%1 yuan</source>
        <translation>%1 元</translation>
    </message>
    <message>
        <location filename="../../ui/screens/buy.py" line="130" />
        <location filename="../../ui/screens/buy.py" line="132" />
        <source>%1 m³</source>
        <translation>%1 立方米</translation>
    </message>
    <message>
        <location filename="../../ui/screens/buy.py" line="133" />
        <source>Choose or type</source>
        <translation>请选择或输入</translation>
    </message>
    <message>
        <location filename="../../ui/screens/buy.py" line="140" />
        <source>Type another amount</source>
        <translation>输入其他金额</translation>
    </message>
    <message>
        <location filename="../../ui/screens/buy.py" line="146" />
        <source>The price is shown here, tier by tier.</source>
        <translation>这里按阶梯显示价格。</translation>
    </message>
    <message>
        <location filename="../../ui/screens/buy.py" line="148" />
        <source>You get %1 m³ of gas for %2 yuan.</source>
        <translation>%2 元可购买 %1 立方米燃气。</translation>
    </message>
    <message>
        <location filename="../../ui/screens/buy.py" line="153" />
        <source>%1 yuan left over is kept as credit on your account.</source>
        <translation>剩余 %1 元存入您的账户余额。</translation>
    </message>
    <message>
        <location filename="../../ui/screens/buy.py" line="156" />
        <source>Gas is sold by the tiered price. By money: you get the most gas the money buys; any few fen left over stay as credit on your account for next time.</source>
        <translation>燃气按阶梯价格销售。按金额购买时，您得到这笔钱能买到的最多气量；剩下的几分钱存入您的账户，下次使用。</translation>
    </message>
    <message>
        <location filename="../../ui/screens/buy.py" line="159" />
        <source>Next: pay</source>
        <translation>下一步：付款</translation>
    </message>
    <message>
        <location filename="../../ui/screens/buy.py" line="163" />
        <source>Choose an amount of money or of gas, then touch Next.</source>
        <translation>请选择金额或气量，然后点下一步。</translation>
    </message>
    <message>
        <location filename="../../ui/screens/buy.py" line="186" />
        <source>How do you want to pay?</source>
        <translation>请选择付款方式</translation>
    </message>
    <message>
        <location filename="../../ui/screens/buy.py" line="192" />
        <source>%1 m³ of gas: %2 yuan</source>
        <translation>%1 立方米燃气：%2 元</translation>
    </message>
    <message>
        <location filename="../../ui/screens/buy.py" line="195" />
        <source>%1 yuan: %2 m³ of gas</source>
        <translation>%1 元：%2 立方米燃气</translation>
    </message>
    <message>
        <location filename="../../ui/screens/buy.py" line="197" />
        <source>Cash (notes)</source>
        <translation>现金（纸币）</translation>
    </message>
    <message>
        <location filename="../../ui/screens/buy.py" line="198" />
        <source>Scan QR code (WeChat / Alipay)</source>
        <translation>扫码支付（微信 / 支付宝）</translation>
    </message>
    <message>
        <location filename="../../ui/screens/buy.py" line="202" />
        <source>QR payment needs the network; only cash is possible now.</source>
        <translation>扫码支付需要联网，现在只能用现金。</translation>
    </message>
    <message>
        <location filename="../../ui/screens/buy.py" line="203" />
        <source>Back: change the amount</source>
        <translation>返回：修改金额</translation>
    </message>
    <message>
        <location filename="../../ui/screens/buy.py" line="206" />
        <source>Choose how to pay: cash, or scan the QR code.</source>
        <translation>请选择付款方式：现金，或扫码。</translation>
    </message>
    <message>
        <location filename="../../ui/screens/buy.py" line="243" />
        <source>Insert your notes one at a time</source>
        <translation>请逐张放入纸币</translation>
    </message>
    <message>
        <location filename="../../ui/screens/buy.py" line="244" />
        <source>Inserted: %1 yuan</source>
        <translation>已投入：%1 元</translation>
    </message>
    <message>
        <location filename="../../ui/screens/buy.py" line="248" />
        <source>Price of the gas: %1 yuan</source>
        <translation>燃气价格：%1 元</translation>
    </message>
    <message>
        <location filename="../../ui/screens/buy.py" line="249" />
        <source>Most you can insert: %1 yuan</source>
        <translation>最多可投入：%1 元</translation>
    </message>
    <message>
        <location filename="../../ui/screens/buy.py" line="251" />
        <source>Still to insert: %1 yuan</source>
        <translation>还需投入：%1 元</translation>
    </message>
    <message>
        <location filename="../../ui/screens/buy.py" line="252" />
        <source>Accepted notes: 5, 10, 20, 50, 100 yuan. No change is given.</source>
        <translation>接收 5、10、20、50、100 元纸币，不找零。</translation>
    </message>
    <message>
        <location filename="../../ui/screens/buy.py" line="256" />
        <source>All the money you insert is loaded onto your card.</source>
        <translation>您投入的钱全部充入卡内。</translation>
    </message>
    <message>
        <location filename="../../ui/screens/buy.py" line="258" />
        <source>No change is given: what you insert over the price stays as credit on your account for next time.</source>
        <translation>本机不找零：超出价格的部分存为您账户的余额，下次购气可用。</translation>
    </message>
    <message>
        <location filename="../../ui/screens/buy.py" line="261" />
        <source>You get the most gas this money buys; a few fen left over stay as credit on your account.</source>
        <translation>按投入金额购买尽可能多的燃气；剩余的几分钱存为您账户的余额。</translation>
    </message>
    <message>
        <location filename="../../ui/screens/buy.py" line="270" />
        <source>I have finished inserting</source>
        <translation>投币完成</translation>
    </message>
    <message>
        <location filename="../../ui/screens/buy.py" line="276" />
        <source>Insert your notes one at a time. Touch Finished when done.</source>
        <translation>请逐张放入纸币，放完后点投币完成。</translation>
    </message>
    <message>
        <location filename="../../ui/screens/buy.py" line="322" />
        <source>Scan with WeChat or Alipay</source>
        <translation>请用微信或支付宝扫码</translation>
    </message>
    <message>
        <location filename="../../ui/screens/buy.py" line="326" />
        <source>Preparing the payment code…</source>
        <translation>正在生成付款码…</translation>
    </message>
    <message>
        <location filename="../../ui/screens/buy.py" line="329" />
        <source>Amount to pay: %1 yuan</source>
        <translation>应付金额：%1 元</translation>
    </message>
    <message>
        <location filename="../../ui/screens/buy.py" line="334" />
        <source>Scan the code with your phone to pay.</source>
        <translation>请用手机扫码付款。</translation>
    </message>
    <message>
        <location filename="../../ui/screens/buy.py" line="360" />
        <source>Do not remove the card</source>
        <translation>请勿拔卡</translation>
    </message>
    <message>
        <location filename="../../ui/screens/buy.py" line="362" />
        <source>Payment recorded</source>
        <translation>付款已记录</translation>
    </message>
    <message>
        <location filename="../../ui/screens/buy.py" line="362" />
        <source>Writing the gas to your card</source>
        <translation>正在把燃气写入您的卡</translation>
    </message>
    <message>
        <location filename="../../ui/screens/buy.py" line="363" />
        <source>Printing your receipt</source>
        <translation>正在打印凭条</translation>
    </message>
    <message>
        <location filename="../../ui/screens/buy.py" line="363" />
        <source>Finished</source>
        <translation>完成</translation>
    </message>
    <message>
        <location filename="../../ui/screens/buy.py" line="366" />
        <source>Writing to your card. Do not remove the card.</source>
        <translation>正在写卡，请勿拔卡。</translation>
    </message>
    <message>
        <location filename="../../ui/screens/buy.py" line="436" />
        <source>Done. Please take your card</source>
        <translation>购气完成，请取回您的卡</translation>
    </message>
    <message>
        <location filename="../../ui/screens/buy.py" line="439" />
        <source>Gas written to your card: %1 m³</source>
        <translation>已写入卡中：%1 立方米</translation>
    </message>
    <message>
        <location filename="../../ui/screens/buy.py" line="440" />
        <source>Paid: %1 yuan</source>
        <translation>已付：%1 元</translation>
    </message>
    <message>
        <location filename="../../ui/screens/buy.py" line="442" />
        <source>Kept as account credit: %1 yuan</source>
        <translation>存入账户余额：%1 元</translation>
    </message>
    <message>
        <location filename="../../ui/screens/buy.py" line="443" />
        <source>Receipt printed below the screen.</source>
        <translation>凭条已在屏幕下方打印。</translation>
    </message>
    <message>
        <location filename="../../ui/screens/buy.py" line="444" />
        <source>No paper receipt. Staff can reprint it; number %1.</source>
        <translation>没有纸质凭条，工作人员可以补打，编号 %1。</translation>
    </message>
    <message>
        <location filename="../../ui/screens/buy.py" line="445" />
        <source>Insert the card into your meter at home to load the gas.</source>
        <translation>回家后把卡插入燃气表即可充气。</translation>
    </message>
    <message>
        <location filename="../../ui/screens/buy.py" line="453" />
        <source>Your receipt as a code: take a photo of it. Staff can check it.</source>
        <translation>这是您的电子凭条，请拍照保存，工作人员可以核验。</translation>
    </message>
    <message>
        <location filename="../../ui/screens/buy.py" line="455" />
        <source>Printing…</source>
        <translation>正在打印…</translation>
    </message>
    <message>
        <location filename="../../ui/screens/buy.py" line="456" />
        <source>The printer did not print. Try again</source>
        <translation>打印机未能打印，再试一次</translation>
    </message>
    <message>
        <location filename="../../ui/screens/buy.py" line="457" />
        <source>Print the paper receipt</source>
        <translation>打印纸质凭条</translation>
    </message>
    <message>
        <location filename="../../ui/screens/buy.py" line="458" />
        <source>How was it? (you may skip)</source>
        <translation>您对本次服务满意吗？（可跳过）</translation>
    </message>
    <message>
        <location filename="../../ui/screens/buy.py" line="458" />
        <source>Thank you!</source>
        <translation>谢谢您！</translation>
    </message>
    <message>
        <location filename="../../ui/screens/buy.py" line="459" />
        <source>Very bad</source>
        <translation>很差</translation>
    </message>
    <message>
        <location filename="../../ui/screens/buy.py" line="459" />
        <source>Bad</source>
        <translation>较差</translation>
    </message>
    <message>
        <location filename="../../ui/screens/buy.py" line="459" />
        <source>OK</source>
        <translation>一般</translation>
    </message>
    <message>
        <location filename="../../ui/screens/buy.py" line="459" />
        <source>Good</source>
        <translation>满意</translation>
    </message>
    <message>
        <location filename="../../ui/screens/buy.py" line="459" />
        <source>Very good</source>
        <translation>很满意</translation>
    </message>
    <message>
        <location filename="../../ui/screens/buy.py" line="464" />
        <source>Skip and finish</source>
        <translation>跳过并结束</translation>
    </message>
    <message>
        <location filename="../../ui/screens/buy.py" line="464" />
        <location filename="../../ui/screens/repair.py" line="238" />
        <source>Finish</source>
        <translation>结束</translation>
    </message>
    <message>
        <location filename="../../ui/screens/buy.py" line="467" />
        <source>Done. Please take your card and your receipt.</source>
        <translation>购气完成，请取回您的卡和凭条。</translation>
    </message>
    <message>
        <location filename="../../ui/screens/repair.py" line="27" />
        <source>I smell gas</source>
        <translation>闻到燃气味</translation>
    </message>
    <message>
        <location filename="../../ui/screens/repair.py" line="27" />
        <source>Gas is leaking</source>
        <translation>燃气泄漏</translation>
    </message>
    <message>
        <location filename="../../ui/screens/repair.py" line="27" />
        <source>No gas</source>
        <translation>没有气</translation>
    </message>
    <message>
        <location filename="../../ui/screens/repair.py" line="28" />
        <source>Meter problem</source>
        <translation>燃气表故障</translation>
    </message>
    <message>
        <location filename="../../ui/screens/repair.py" line="28" />
        <source>Valve problem</source>
        <translation>阀门故障</translation>
    </message>
    <message>
        <location filename="../../ui/screens/repair.py" line="29" />
        <source>Weak flame</source>
        <translation>火力小</translation>
    </message>
    <message>
        <location filename="../../ui/screens/repair.py" line="29" />
        <source>Card problem</source>
        <translation>卡片问题</translation>
    </message>
    <message>
        <location filename="../../ui/screens/repair.py" line="29" />
        <source>Something else</source>
        <translation>其他问题</translation>
    </message>
    <message>
        <location filename="../../ui/screens/repair.py" line="33" />
        <source>Morning</source>
        <translation>上午</translation>
    </message>
    <message>
        <location filename="../../ui/screens/repair.py" line="33" />
        <source>Afternoon</source>
        <translation>下午</translation>
    </message>
    <message>
        <location filename="../../ui/screens/repair.py" line="33" />
        <source>Evening</source>
        <translation>晚上</translation>
    </message>
    <message>
        <location filename="../../ui/screens/repair.py" line="34" />
        <source>Any time</source>
        <translation>任何时间</translation>
    </message>
    <message>
        <location filename="../../ui/screens/repair.py" line="38" />
        <source>It started today</source>
        <translation>今天开始出现</translation>
    </message>
    <message>
        <location filename="../../ui/screens/repair.py" line="38" />
        <source>For several days</source>
        <translation>已经有几天了</translation>
    </message>
    <message>
        <location filename="../../ui/screens/repair.py" line="39" />
        <source>I cannot cook: urgent</source>
        <translation>无法做饭，比较急</translation>
    </message>
    <message>
        <location filename="../../ui/screens/repair.py" line="39" />
        <source>The meter shows an error</source>
        <translation>表上显示错误或报警</translation>
    </message>
    <message>
        <location filename="../../ui/screens/repair.py" line="40" />
        <source>An elderly person lives alone</source>
        <translation>家中老人独居</translation>
    </message>
    <message>
        <location filename="../../ui/screens/repair.py" line="40" />
        <source>Someone is home all day</source>
        <translation>全天有人在家</translation>
    </message>
    <message>
        <location filename="../../ui/screens/repair.py" line="67" />
        <source>What is the problem?</source>
        <translation>遇到了什么问题？</translation>
    </message>
    <message>
        <location filename="../../ui/screens/repair.py" line="70" />
        <source>Check a repair request I made</source>
        <translation>查询我的报修进度</translation>
    </message>
    <message>
        <location filename="../../ui/screens/repair.py" line="73" />
        <source>Choose the problem. If you smell gas, touch the red button.</source>
        <translation>请选择问题。如果闻到燃气味，请点红色按钮。</translation>
    </message>
    <message>
        <location filename="../../ui/screens/repair.py" line="89" />
        <source>Gas smell or leak: act now</source>
        <translation>燃气异味或泄漏：请立即行动</translation>
    </message>
    <message>
        <location filename="../../ui/screens/repair.py" line="93" />
        <source>1. Do not switch lights or appliances on or off. No fire, no smoking.</source>
        <translation>1. 不要开关电灯和电器，不要动火，不要吸烟。</translation>
    </message>
    <message>
        <location filename="../../ui/screens/repair.py" line="94" />
        <source>2. Open doors and windows.</source>
        <translation>2. 打开门窗通风。</translation>
    </message>
    <message>
        <location filename="../../ui/screens/repair.py" line="95" />
        <source>3. Close the gas valve in front of the meter, if you can reach it safely.</source>
        <translation>3. 如能安全靠近，关闭燃气表前的阀门。</translation>
    </message>
    <message>
        <location filename="../../ui/screens/repair.py" line="96" />
        <source>4. Leave the home. Call the hotline from outside, not from inside.</source>
        <translation>4. 离开房间，到室外再拨打抢修热线，不要在室内打电话。</translation>
    </message>
    <message>
        <location filename="../../ui/screens/repair.py" line="97" />
        <source>5. Wait outside for the repair team.</source>
        <translation>5. 在室外等待抢修人员。</translation>
    </message>
    <message>
        <location filename="../../ui/screens/repair.py" line="101" />
        <source>Gas smell or leak. Do not switch anything. Open the windows, leave, and call %1 from outside.</source>
        <translation>燃气异味或泄漏。不要开关任何电器，打开窗户，离开房间，到室外拨打 %1。</translation>
    </message>
    <message>
        <location filename="../../ui/screens/repair.py" line="169" />
        <source>Please enter a phone number we can call (for example 13812345678).</source>
        <translation>请输入可以联系到您的电话号码（例如 13812345678）。</translation>
    </message>
    <message>
        <location filename="../../ui/screens/repair.py" line="177" />
        <source>Repair: %1</source>
        <translation>报修：%1</translation>
    </message>
    <message>
        <location filename="../../ui/screens/repair.py" line="178" />
        <source>Your phone number:</source>
        <translation>您的电话号码：</translation>
    </message>
    <message>
        <location filename="../../ui/screens/repair.py" line="182" />
        <source>When may the technician come?</source>
        <translation>维修人员什么时间上门？</translation>
    </message>
    <message>
        <location filename="../../ui/screens/repair.py" line="188" />
        <source>Anything else? (optional, touch what fits)</source>
        <translation>其他情况（可选，点选符合的项）：</translation>
    </message>
    <message>
        <location filename="../../ui/screens/repair.py" line="243" />
        <source>Printing the slip with this number…</source>
        <translation>正在打印带此编号的报修单…</translation>
    </message>
    <message>
        <location filename="../../ui/screens/repair.py" line="244" />
        <source>The number is also on the printed slip.</source>
        <translation>编号也印在报修单上。</translation>
    </message>
    <message>
        <location filename="../../ui/screens/repair.py" line="245" />
        <source>No slip could be printed: please write the number down.</source>
        <translation>报修单未能打印，请记下这个编号。</translation>
    </message>
    <message>
        <location filename="../../ui/screens/repair.py" line="246" />
        <source>Ticket number: %1</source>
        <translation>报修单号：%1</translation>
    </message>
    <message>
        <location filename="../../ui/screens/repair.py" line="200" />
        <source>Send the repair request</source>
        <translation>提交报修</translation>
    </message>
    <message>
        <location filename="../../ui/screens/repair.py" line="91" />
        <source>Emergency hotline (24 hours, free)</source>
        <translation>抢修热线（24小时，免费）</translation>
    </message>
    <message>
        <location filename="../../ui/screens/repair.py" line="203" />
        <source>Enter your phone number and choose a time, then touch Send.</source>
        <translation>请输入电话号码并选择时间，然后点提交报修。</translation>
    </message>
    <message>
        <location filename="../../ui/screens/repair.py" line="237" />
        <source>Your repair request is registered</source>
        <translation>您的报修已登记</translation>
    </message>
    <message>
        <location filename="../../ui/screens/repair.py" line="247" />
        <source>We will call %1.</source>
        <translation>我们会致电 %1。</translation>
    </message>
    <message>
        <location filename="../../ui/screens/repair.py" line="248" />
        <source>Time: %1</source>
        <translation>时间：%1</translation>
    </message>
    <message>
        <location filename="../../ui/screens/repair.py" line="250" />
        <source>The kiosk is offline: the request is saved and will be sent automatically.</source>
        <translation>本机现在离线：报修已保存，联网后自动发送。</translation>
    </message>
    <message>
        <location filename="../../ui/screens/repair.py" line="254" />
        <source>Your repair request is registered. Keep the ticket number.</source>
        <translation>您的报修已登记，请保留报修单号。</translation>
    </message>
    <message>
        <location filename="../../ui/screens/repair.py" line="299" />
        <source>Check a repair request</source>
        <translation>查询报修进度</translation>
    </message>
    <message>
        <location filename="../../ui/screens/repair.py" line="300" />
        <source>Type the digits at the end of your ticket number (after the R).</source>
        <translation>请输入报修单号末尾的数字（R 后面的部分）。</translation>
    </message>
    <message>
        <location filename="../../ui/screens/repair.py" line="303" />
        <source>Look it up</source>
        <translation>查询</translation>
    </message>
    <message>
        <location filename="../../ui/screens/repair.py" line="308" />
        <source>Ticket %1: no news at this kiosk yet. A request made offline is sent when the kiosk is online; the counter can tell you more.</source>
        <translation>报修单 %1：本机暂无进展信息。离线时提交的报修会在联网后自动发送；详情请到柜台咨询。</translation>
    </message>
    <message>
        <location filename="../../ui/screens/repair.py" line="312" />
        <source>Ticket %1: %2</source>
        <translation>报修单 %1：%2</translation>
    </message>
    <message>
        <location filename="../../ui/screens/repair.py" line="316" />
        <source>Type the number of your repair ticket, then touch Look it up.</source>
        <translation>请输入报修单号，然后点“查询”。</translation>
    </message>
    <message>
        <location filename="../../ui/screens/service.py" line="50" />
        <location filename="../../ui/screens/start.py" line="48" />
        <source>Notices</source>
        <translation>公告</translation>
    </message>
    <message>
        <location filename="../../ui/screens/service.py" line="52" />
        <source>No notices at the moment.</source>
        <translation>目前没有公告。</translation>
    </message>
    <message>
        <location filename="../../ui/screens/service.py" line="54" />
        <source>As of %1</source>
        <translation>数据时间 %1</translation>
    </message>
    <message>
        <location filename="../../ui/screens/service.py" line="54" />
        <location filename="../../ui/screens/start.py" line="238" />
        <source>unknown</source>
        <translation>未知</translation>
    </message>
    <message>
        <location filename="../../ui/screens/service.py" line="57" />
        <source>Notices from the gas company.</source>
        <translation>燃气公司公告。</translation>
    </message>
    <message>
        <location filename="../../ui/screens/service.py" line="99" />
        <location filename="../../ui/screens/start.py" line="49" />
        <source>Common questions</source>
        <translation>常见问题</translation>
    </message>
    <message>
        <location filename="../../ui/screens/service.py" line="100" />
        <source>Fees</source>
        <translation>费用</translation>
    </message>
    <message>
        <location filename="../../ui/screens/service.py" line="100" />
        <source>Tier prices</source>
        <translation>阶梯气价</translation>
    </message>
    <message>
        <location filename="../../ui/screens/service.py" line="100" />
        <source>Ways to pay</source>
        <translation>付款方式</translation>
    </message>
    <message>
        <location filename="../../ui/screens/service.py" line="101" />
        <source>Gas safety</source>
        <translation>用气安全</translation>
    </message>
    <message>
        <location filename="../../ui/screens/service.py" line="108" />
        <source>The kiosk charges no fee. You pay only for the gas, at the tariff price.</source>
        <translation>本机不收手续费，您只按气价支付燃气费。</translation>
    </message>
    <message>
        <location filename="../../ui/screens/service.py" line="109" />
        <source>The prices are not available right now.</source>
        <translation>暂时无法显示价格。</translation>
    </message>
    <message>
        <location filename="../../ui/screens/service.py" line="110" />
        <source>Cash notes work at any time. QR payment (WeChat, Alipay) works when the kiosk is online. No change is given: money left over stays as account credit.</source>
        <translation>现金纸币随时可用。扫码支付（微信、支付宝）需要本机在线。不找零：剩余金额存入账户余额。</translation>
    </message>
    <message>
        <location filename="../../ui/screens/service.py" line="112" />
        <source>If you smell gas: no switches, no fire, open the windows, leave, call the hotline %1 from outside.</source>
        <translation>闻到燃气味：不开关电器，不动火，打开窗户，离开房间，到室外拨打抢修热线 %1。</translation>
    </message>
    <message>
        <location filename="../../ui/screens/service.py" line="118" />
        <source>Common questions. Touch a topic.</source>
        <translation>常见问题，请点选一个题目。</translation>
    </message>
    <message>
        <location filename="../../ui/screens/service.py" line="124" />
        <source>Your call is on its way to the staff.</source>
        <translation>您的呼叫正在发送给工作人员。</translation>
    </message>
    <message>
        <location filename="../../ui/screens/service.py" line="125" />
        <source>The kiosk is offline: please also wave to the staff in the hall.</source>
        <translation>本机离线，也请向大厅里的工作人员招手示意。</translation>
    </message>
    <message>
        <location filename="../../ui/screens/service.py" line="127" />
        <location filename="../../ui/screens/service.py" line="131" />
        <source>The staff have your call.</source>
        <translation>工作人员已收到您的呼叫。</translation>
    </message>
    <message>
        <location filename="../../ui/screens/service.py" line="128" />
        <source>A staff member has seen it and is coming.</source>
        <translation>工作人员已看到，正在赶来。</translation>
    </message>
    <message>
        <location filename="../../ui/screens/service.py" line="129" />
        <source>A staff member is working on it.</source>
        <translation>工作人员正在处理。</translation>
    </message>
    <message>
        <location filename="../../ui/screens/service.py" line="130" />
        <location filename="../../ui/screens/service.py" line="131" />
        <source>The staff marked it as done.</source>
        <translation>工作人员已标记为处理完毕。</translation>
    </message>
    <message>
        <location filename="../../ui/screens/service.py" line="188" />
        <source>Staff are coming to help you</source>
        <translation>工作人员马上过来帮助您</translation>
    </message>
    <message>
        <location filename="../../ui/screens/service.py" line="189" />
        <source>Please wait here. Call number %1.</source>
        <translation>请在这里稍候。呼叫编号 %1。</translation>
    </message>
    <message>
        <location filename="../../ui/screens/service.py" line="191" />
        <source>Back</source>
        <translation>返回</translation>
    </message>
    <message>
        <location filename="../../ui/screens/service.py" line="194" />
        <source>Staff are coming to help you. Please wait here.</source>
        <translation>工作人员马上过来帮助您，请在这里稍候。</translation>
    </message>
    <message>
        <location filename="../../ui/screens/service.py" line="248" />
        <source>Code for staff: %1</source>
        <translation>故障代码（供工作人员）：%1</translation>
    </message>
    <message>
        <location filename="../../ui/screens/service.py" line="276" />
        <source>Do you need more time?</source>
        <translation>您还需要更多时间吗？</translation>
    </message>
    <message>
        <location filename="../../ui/screens/service.py" line="277" />
        <source>Back to the start in %1 seconds</source>
        <translation>%1 秒后返回首页</translation>
    </message>
    <message>
        <location filename="../../ui/screens/service.py" line="278" />
        <source>Yes, more time</source>
        <translation>需要，继续操作</translation>
    </message>
    <message>
        <location filename="../../ui/screens/service.py" line="281" />
        <source>Do you need more time? Touch the green button.</source>
        <translation>您还需要更多时间吗？请点绿色按钮。</translation>
    </message>
    <message>
        <location filename="../../ui/screens/start.py" line="42" />
        <source>Welcome to the gas self-service kiosk</source>
        <translation>欢迎使用自助燃气缴费机</translation>
    </message>
    <message>
        <location filename="../../ui/screens/start.py" line="43" />
        <source>Buy gas for your card, report a repair, read notices</source>
        <translation>购气充值、报修、查看公告</translation>
    </message>
    <message>
        <location filename="../../ui/screens/start.py" line="44" />
        <source>Touch here to buy gas</source>
        <translation>点这里购气</translation>
    </message>
    <message>
        <location filename="../../ui/screens/start.py" line="45" />
        <source>Senior mode: OFF (touch for large text and voice)</source>
        <translation>长辈版：关（点此使用大字和语音）</translation>
    </message>
    <message>
        <location filename="../../ui/screens/start.py" line="46" />
        <source>Senior mode: ON (touch to turn off)</source>
        <translation>长辈版：开（点此关闭）</translation>
    </message>
    <message>
        <location filename="../../ui/screens/start.py" line="47" />
        <source>Report a repair</source>
        <translation>报修</translation>
    </message>
    <message>
        <location filename="../../ui/screens/start.py" line="53" />
        <source>Welcome. Touch the screen to buy gas.</source>
        <translation>欢迎使用，请点屏幕购气。</translation>
    </message>
    <message>
        <location filename="../../ui/screens/start.py" line="71" />
        <source>Please insert your gas card</source>
        <translation>请插入燃气卡</translation>
    </message>
    <message>
        <location filename="../../ui/screens/start.py" line="73" />
        <source>Chip facing up, chip end first, into the slot below the screen.</source>
        <translation>芯片朝上，芯片一端先插入屏幕下方的卡口。</translation>
    </message>
    <message>
        <location filename="../../ui/screens/start.py" line="76" />
        <source>Please insert your gas card, chip facing up.</source>
        <translation>请插入燃气卡，芯片朝上。</translation>
    </message>
    <message>
        <location filename="../../ui/screens/start.py" line="83" />
        <source>Finding the card</source>
        <translation>正在检测卡片</translation>
    </message>
    <message>
        <location filename="../../ui/screens/start.py" line="83" />
        <source>Reading the card</source>
        <translation>正在读卡</translation>
    </message>
    <message>
        <location filename="../../ui/screens/start.py" line="84" />
        <source>Checking earlier purchases</source>
        <translation>正在核对以往购气记录</translation>
    </message>
    <message>
        <location filename="../../ui/screens/start.py" line="84" />
        <source>Looking up the account</source>
        <translation>正在查询账户</translation>
    </message>
    <message>
        <location filename="../../ui/screens/start.py" line="85" />
        <source>Checking what can be bought</source>
        <translation>正在核对可购额度</translation>
    </message>
    <message>
        <location filename="../../ui/screens/start.py" line="114" />
        <source>Reading your card</source>
        <translation>正在读取您的卡</translation>
    </message>
    <message>
        <location filename="../../ui/screens/start.py" line="115" />
        <source>Please do not remove the card</source>
        <translation>请不要拔卡</translation>
    </message>
    <message>
        <location filename="../../ui/screens/start.py" line="122" />
        <source>Reading your card. Please wait and do not remove it.</source>
        <translation>正在读卡，请稍候，不要拔卡。</translation>
    </message>
    <message>
        <location filename="../../ui/screens/start.py" line="128" />
        <source>Valve: closed</source>
        <translation>阀门：关闭</translation>
    </message>
    <message>
        <location filename="../../ui/screens/start.py" line="130" />
        <source>Meter battery low: replace it soon</source>
        <translation>燃气表电量低：请尽快更换电池</translation>
    </message>
    <message>
        <location filename="../../ui/screens/start.py" line="132" />
        <source>Leak alarm recorded by the meter</source>
        <translation>燃气表记录了泄漏报警</translation>
    </message>
    <message>
        <location filename="../../ui/screens/start.py" line="134" />
        <source>Tamper alarm recorded by the meter</source>
        <translation>燃气表记录了拆表报警</translation>
    </message>
    <message>
        <location filename="../../ui/screens/start.py" line="136" />
        <source>Meter fault recorded</source>
        <translation>燃气表记录了故障</translation>
    </message>
    <message>
        <location filename="../../ui/screens/start.py" line="185" />
        <source>Your card</source>
        <translation>您的卡</translation>
    </message>
    <message>
        <location filename="../../ui/screens/start.py" line="186" />
        <source>Buy gas</source>
        <translation>购气</translation>
    </message>
    <message>
        <location filename="../../ui/screens/start.py" line="190" />
        <location filename="../../ui/screens/start.py" line="263" />
        <source>Your meter recorded a gas leak alarm. If you smell gas at home, act now.</source>
        <translation>您的燃气表记录了泄漏报警。如果家中闻到燃气味，请立即处理。</translation>
    </message>
    <message>
        <location filename="../../ui/screens/start.py" line="191" />
        <source>What to do about a gas leak</source>
        <translation>燃气泄漏怎么办</translation>
    </message>
    <message>
        <location filename="../../ui/screens/start.py" line="199" />
        <source>in the app</source>
        <translation>在手机应用中</translation>
    </message>
    <message>
        <location filename="../../ui/screens/start.py" line="199" />
        <source>at a bank or counter</source>
        <translation>在银行或柜台</translation>
    </message>
    <message>
        <location filename="../../ui/screens/start.py" line="200" />
        <source>You paid %1 yuan %2 on %3: it can be loaded onto this card now.</source>
        <translation>您于 %3 %2缴纳了 %1 元，现在可以写入这张卡。</translation>
    </message>
    <message>
        <location filename="../../ui/screens/start.py" line="202" />
        <source>You paid %1 yuan %2 on %3. It is being checked: please ask staff.</source>
        <translation>您于 %3 %2缴纳了 %1 元，正在核对中，请咨询工作人员。</translation>
    </message>
    <message>
        <location filename="../../ui/screens/start.py" line="204" />
        <source>You paid %1 yuan %2 on %3. This kiosk is offline: load it when it is online again, or at the counter.</source>
        <translation>您于 %3 %2缴纳了 %1 元。本机目前离线：请在联网后或到柜台写卡。</translation>
    </message>
    <message>
        <location filename="../../ui/screens/start.py" line="207" />
        <source>Load the %1 yuan onto my card</source>
        <translation>把这 %1 元写入我的卡</translation>
    </message>
    <message>
        <location filename="../../ui/screens/start.py" line="212" />
        <source>IC card</source>
        <translation>IC卡</translation>
    </message>
    <message>
        <location filename="../../ui/screens/start.py" line="212" />
        <source>CPU card</source>
        <translation>CPU卡</translation>
    </message>
    <message>
        <location filename="../../ui/screens/start.py" line="213" />
        <source>Customer no.: %1</source>
        <translation>用户编号：%1</translation>
    </message>
    <message>
        <location filename="../../ui/screens/start.py" line="215" />
        <source>Card: %1 (%2)</source>
        <translation>卡号：%1（%2）</translation>
    </message>
    <message>
        <location filename="../../ui/screens/start.py" line="217" />
        <source>Money on the card: %1 yuan</source>
        <translation>卡内余额：%1 元</translation>
    </message>
    <message>
        <location filename="../../ui/screens/start.py" line="219" />
        <source>Last purchase on the card: %1 m³</source>
        <translation>卡上最近一次购气：%1 立方米</translation>
    </message>
    <message>
        <location filename="../../ui/screens/start.py" line="222" />
        <source>What the meter reported:</source>
        <translation>燃气表上报的信息：</translation>
    </message>
    <message>
        <location filename="../../ui/screens/start.py" line="224" />
        <source>The card has not been in the meter yet.</source>
        <translation>此卡还没有插入过燃气表。</translation>
    </message>
    <message>
        <location filename="../../ui/screens/start.py" line="227" />
        <source>Gas remaining in the meter: %1 m³</source>
        <translation>表内剩余气量：%1 立方米</translation>
    </message>
    <message>
        <location filename="../../ui/screens/start.py" line="229" />
        <source>Money remaining in the meter: %1 yuan</source>
        <translation>表内剩余金额：%1 元</translation>
    </message>
    <message>
        <location filename="../../ui/screens/start.py" line="231" />
        <source>Valve: open</source>
        <translation>阀门：开启</translation>
    </message>
    <message>
        <location filename="../../ui/screens/start.py" line="234" />
        <source>Battery and alarms: normal</source>
        <translation>电池和报警：正常</translation>
    </message>
    <message>
        <location filename="../../ui/screens/start.py" line="240" />
        <source>No account data on this kiosk yet.</source>
        <translation>本机暂无该账户的数据。</translation>
    </message>
    <message>
        <location filename="../../ui/screens/start.py" line="243" />
        <source>Arrears: %1 yuan, please pay them at the counter</source>
        <translation>欠费：%1 元，请到柜台缴清</translation>
    </message>
    <message>
        <location filename="../../ui/screens/start.py" line="246" />
        <source>No arrears</source>
        <translation>无欠费</translation>
    </message>
    <message>
        <location filename="../../ui/screens/start.py" line="248" />
        <source>Account credit: %1 yuan</source>
        <translation>账户余额：%1 元</translation>
    </message>
    <message>
        <location filename="../../ui/screens/start.py" line="250" />
        <source>Account suspended: please go to the counter</source>
        <translation>账户已暂停：请到柜台办理</translation>
    </message>
    <message>
        <location filename="../../ui/screens/start.py" line="251" />
        <source>Account data as of %1</source>
        <translation>账户数据时间：%1</translation>
    </message>
    <message>
        <location filename="../../ui/screens/start.py" line="252" />
        <source>Most you can buy now: %1 yuan</source>
        <translation>本次最多可购：%1 元</translation>
    </message>
    <message>
        <location filename="../../ui/screens/start.py" line="254" />
        <source>(offline limit)</source>
        <translation>（离线限额）</translation>
    </message>
    <message>
        <location filename="../../ui/screens/start.py" line="264" />
        <location filename="../../ui/screens/start.py" line="265" />
        <source>This is your card. Check the details, then touch Buy gas.</source>
        <translation>这是您的卡片信息，请核对后点购气。</translation>
    </message>
    <message>
        <location filename="../../ui/screens/technician.py" line="29" />
        <source>never</source>
        <translation>从未</translation>
    </message>
    <message>
        <location filename="../../ui/screens/technician.py" line="34" />
        <source>Sync alert</source>
        <translation>同步告警</translation>
    </message>
    <message>
        <location filename="../../ui/screens/technician.py" line="34" />
        <source>Server not answering</source>
        <translation>服务器无应答</translation>
    </message>
    <message>
        <location filename="../../ui/screens/technician.py" line="35" />
        <source>No sync client</source>
        <translation>无同步客户端</translation>
    </message>
    <message>
        <location filename="../../ui/screens/technician.py" line="35" />
        <source>SAM quota top-up failed</source>
        <translation>SAM 额度补充失败</translation>
    </message>
    <message>
        <location filename="../../ui/screens/technician.py" line="36" />
        <source>Paper near end</source>
        <translation>纸将用尽</translation>
    </message>
    <message>
        <location filename="../../ui/screens/technician.py" line="36" />
        <source>Printer out of paper</source>
        <translation>打印机缺纸</translation>
    </message>
    <message>
        <location filename="../../ui/screens/technician.py" line="37" />
        <source>Printer cover open</source>
        <translation>打印机盖未关</translation>
    </message>
    <message>
        <location filename="../../ui/screens/technician.py" line="37" />
        <source>Printer offline</source>
        <translation>打印机离线</translation>
    </message>
    <message>
        <location filename="../../ui/screens/technician.py" line="38" />
        <source>Printer status unknown</source>
        <translation>打印机状态未知</translation>
    </message>
    <message>
        <location filename="../../ui/screens/technician.py" line="38" />
        <source>Cash counter mismatch</source>
        <translation>钞箱计数不符</translation>
    </message>
    <message>
        <location filename="../../ui/screens/technician.py" line="39" />
        <source>Note in escrow</source>
        <translation>暂存区有纸币</translation>
    </message>
    <message>
        <location filename="../../ui/screens/technician.py" line="39" />
        <source>No card type can be served</source>
        <translation>无法受理任何卡型</translation>
    </message>
    <message>
        <location filename="../../ui/screens/technician.py" line="40" />
        <source>Card reader problem</source>
        <translation>读卡器问题</translation>
    </message>
    <message>
        <location filename="../../ui/screens/technician.py" line="41" />
        <source>Journal check failed</source>
        <translation>日志校验失败</translation>
    </message>
    <message>
        <location filename="../../ui/screens/technician.py" line="120" />
        <source>Technician PIN</source>
        <translation>维护人员密码</translation>
    </message>
    <message>
        <location filename="../../ui/screens/technician.py" line="121" />
        <source>Enter</source>
        <translation>确定</translation>
    </message>
    <message>
        <location filename="../../ui/screens/technician.py" line="128" />
        <source>Wrong PIN. %1 tries left before a lockout.</source>
        <translation>密码错误。再错 %1 次将被锁定。</translation>
    </message>
    <message>
        <location filename="../../ui/screens/technician.py" line="131" />
        <source>Too many wrong PINs: locked until %1.</source>
        <translation>密码错误次数过多：锁定至 %1。</translation>
    </message>
    <message>
        <location filename="../../ui/screens/technician.py" line="133" />
        <source>No technician is configured on this kiosk.</source>
        <translation>本机未配置维护人员。</translation>
    </message>
    <message>
        <location filename="../../ui/screens/technician.py" line="229" />
        <location filename="../../ui/screens/technician.py" line="249" />
        <source>Sync</source>
        <translation>同步</translation>
    </message>
    <message>
        <location filename="../../ui/screens/technician.py" line="230" />
        <location filename="../../ui/screens/technician.py" line="252" />
        <source>Printer</source>
        <translation>打印机</translation>
    </message>
    <message>
        <location filename="../../ui/screens/technician.py" line="231" />
        <source>Cash box</source>
        <translation>钞箱</translation>
    </message>
    <message>
        <location filename="../../ui/screens/technician.py" line="232" />
        <location filename="../../ui/screens/technician.py" line="333" />
        <source>Receipts</source>
        <translation>凭条</translation>
    </message>
    <message>
        <location filename="../../ui/screens/technician.py" line="249" />
        <source>Upload started.</source>
        <translation>已开始上传。</translation>
    </message>
    <message>
        <location filename="../../ui/screens/technician.py" line="252" />
        <source>Test receipt printed.</source>
        <translation>测试凭条已打印。</translation>
    </message>
    <message>
        <location filename="../../ui/screens/technician.py" line="255" />
        <source>Card self-test running…</source>
        <translation>正在进行读卡器自检…</translation>
    </message>
    <message>
        <location filename="../../ui/screens/technician.py" line="237" />
        <location filename="../../ui/screens/technician.py" line="257" />
        <source>Card readers</source>
        <translation>读卡器</translation>
    </message>
    <message>
        <location filename="../../ui/screens/technician.py" line="39" />
        <source>Note jammed, held for staff</source>
        <translation>卡钞，待工作人员处理</translation>
    </message>
    <message>
        <location filename="../../ui/screens/technician.py" line="40" />
        <source>CPU card TAC did not verify</source>
        <translation>CPU卡TAC校验未通过</translation>
    </message>
    <message>
        <location filename="../../ui/screens/technician.py" line="45" />
        <source>%1 rows not uploaded, the oldest for %2 (alert after %3)</source>
        <translation>%1 条未上传，最早一条已等待 %2（超过 %3 即告警）</translation>
    </message>
    <message>
        <location filename="../../ui/screens/technician.py" line="47" />
        <source>the server does not answer</source>
        <translation>服务器无应答</translation>
    </message>
    <message>
        <location filename="../../ui/screens/technician.py" line="48" />
        <source>load a new roll soon</source>
        <translation>请尽快装新纸卷</translation>
    </message>
    <message>
        <location filename="../../ui/screens/technician.py" line="49" />
        <location filename="../../ui/screens/technician.py" line="50" />
        <location filename="../../ui/screens/technician.py" line="51" />
        <source>residents get no paper receipt</source>
        <translation>居民拿不到纸质凭条</translation>
    </message>
    <message>
        <location filename="../../ui/screens/technician.py" line="52" />
        <source>residents cannot buy gas: take the kiosk out of service</source>
        <translation>居民无法购气：请将本机暂停服务</translation>
    </message>
    <message>
        <location filename="../../ui/screens/technician.py" line="53" />
        <source>load %1: the money is on the card, but its TAC does not verify (the server alerts too): have the card checked at the counter</source>
        <translation>圈存 %1：金额已写入卡内，但卡的TAC校验未通过（服务器也会告警）：请到营业厅检查此卡</translation>
    </message>
    <message>
        <location filename="../../ui/screens/technician.py" line="55" />
        <source>%1 yuan, purchase %2, at %3: clear the jam, keep the note, settle it with the resident</source>
        <translation>%1 元，交易 %2，时间 %3：排除卡钞，保管纸币，与居民结清</translation>
    </message>
    <message>
        <location filename="../../ui/screens/technician.py" line="57" />
        <source>a note of unknown value stuck in the transport, purchase %2, at %3: clear the jam, see what the note is, settle it with the resident</source>
        <translation>一张面额不明的纸币卡在通道内，交易 %2，时间 %3：清除卡钞，查看纸币面额，与居民结清</translation>
    </message>
    <message>
        <location filename="../../ui/screens/technician.py" line="233" />
        <location filename="../../ui/screens/technician.py" line="260" />
        <source>Journal</source>
        <translation>日志</translation>
    </message>
    <message>
        <location filename="../../ui/screens/technician.py" line="271" />
        <source>Collection recorded: %1 yuan in %2 notes; slip printing.</source>
        <translation>清点已记录：%2 张，共 %1 元；正在打印清点单。</translation>
    </message>
    <message>
        <location filename="../../ui/screens/technician.py" line="277" />
        <source>Take the cassette out, empty it and put it back in: the collection is recorded once the acceptor has seen it go out and come back.</source>
        <translation>请取出钱箱，清空后放回：识别器检测到钱箱取出并放回后才记录清点。</translation>
    </message>
    <message>
        <location filename="../../ui/screens/technician.py" line="279" />
        <source>The cassette is out: empty it and put it back in.</source>
        <translation>钱箱已取出：请清空后放回。</translation>
    </message>
    <message>
        <location filename="../../ui/screens/technician.py" line="282" />
        <source>Cash collection</source>
        <translation>钞箱清点</translation>
    </message>
    <message>
        <location filename="../../ui/screens/technician.py" line="287" />
        <source>Collection slip reprinted.</source>
        <translation>清点单已重打。</translation>
    </message>
    <message>
        <location filename="../../ui/screens/technician.py" line="288" />
        <source>The collection slip did not print: check the printer.</source>
        <translation>清点单未能打印：请检查打印机。</translation>
    </message>
    <message>
        <location filename="../../ui/screens/technician.py" line="291" />
        <source>Collection slip</source>
        <translation>清点单</translation>
    </message>
    <message>
        <location filename="../../ui/screens/technician.py" line="295" />
        <source>Settlement</source>
        <translation>日结</translation>
    </message>
    <message>
        <location filename="../../ui/screens/technician.py" line="305" />
        <source>Reprinted %1.</source>
        <translation>已重打 %1。</translation>
    </message>
    <message>
        <location filename="../../ui/screens/technician.py" line="305" />
        <source>Reprint of %1 failed: check the printer.</source>
        <translation>%1 重打失败：请检查打印机。</translation>
    </message>
    <message>
        <location filename="../../ui/screens/technician.py" line="309" />
        <source>Reprint</source>
        <translation>重打</translation>
    </message>
    <message>
        <location filename="../../ui/screens/technician.py" line="316" />
        <source>The kiosk is out of service.</source>
        <translation>本机已暂停服务。</translation>
    </message>
    <message>
        <location filename="../../ui/screens/technician.py" line="316" />
        <source>The kiosk is back in service.</source>
        <translation>本机已恢复服务。</translation>
    </message>
    <message>
        <location filename="../../ui/screens/technician.py" line="318" />
        <source>A fault found at start-up keeps the kiosk out of service: restart it after the repair.</source>
        <translation>启动时发现的故障使本机暂停服务：修复后请重启本机。</translation>
    </message>
    <message>
        <location filename="../../ui/screens/technician.py" line="322" />
        <source>Out of service</source>
        <translation>暂停服务</translation>
    </message>
    <message>
        <location filename="../../ui/screens/technician.py" line="332" />
        <source>Service: technician %1</source>
        <translation>维护界面：维护人员 %1</translation>
    </message>
    <message>
        <location filename="../../ui/screens/technician.py" line="333" />
        <source>Overview</source>
        <translation>总览</translation>
    </message>
    <message>
        <location filename="../../ui/screens/technician.py" line="333" />
        <source>Cash</source>
        <translation>现金</translation>
    </message>
    <message>
        <location filename="../../ui/screens/technician.py" line="333" />
        <source>Logs</source>
        <translation>日志记录</translation>
    </message>
    <message>
        <location filename="../../ui/screens/technician.py" line="346" />
        <source>Refresh</source>
        <translation>刷新</translation>
    </message>
    <message>
        <location filename="../../ui/screens/technician.py" line="346" />
        <source>Upload now</source>
        <translation>立即上传</translation>
    </message>
    <message>
        <location filename="../../ui/screens/technician.py" line="346" />
        <source>Print a test receipt</source>
        <translation>打印测试凭条</translation>
    </message>
    <message>
        <location filename="../../ui/screens/technician.py" line="347" />
        <source>Card self-test</source>
        <translation>读卡器自检</translation>
    </message>
    <message>
        <location filename="../../ui/screens/technician.py" line="347" />
        <source>Check the journal</source>
        <translation>校验日志</translation>
    </message>
    <message>
        <location filename="../../ui/screens/technician.py" line="348" />
        <source>Touch again: the cassette is emptied</source>
        <translation>再点一次：确认钞箱已清空</translation>
    </message>
    <message>
        <location filename="../../ui/screens/technician.py" line="348" />
        <source>Collect cash</source>
        <translation>钞箱清点</translation>
    </message>
    <message>
        <location filename="../../ui/screens/technician.py" line="349" />
        <source>Today's settlement</source>
        <translation>今日日结</translation>
    </message>
    <message>
        <location filename="../../ui/screens/technician.py" line="349" />
        <source>Reprint the collection slip</source>
        <translation>重打清点单</translation>
    </message>
    <message>
        <location filename="../../ui/screens/technician.py" line="361" />
        <source>Reprint %1</source>
        <translation>重打 %1</translation>
    </message>
    <message>
        <location filename="../../ui/screens/technician.py" line="363" />
        <source>Back in service</source>
        <translation>恢复服务</translation>
    </message>
    <message>
        <location filename="../../ui/screens/technician.py" line="363" />
        <source>Take out of service</source>
        <translation>暂停服务</translation>
    </message>
    <message>
        <location filename="../../ui/screens/technician.py" line="364" />
        <source>Exit service</source>
        <translation>退出维护</translation>
    </message>
    <message>
        <location filename="../../ui/screens/technician.py" line="370" />
        <source>No problems found.</source>
        <translation>未发现问题。</translation>
    </message>
    <message>
        <location filename="../../ui/screens/technician.py" line="374" />
        <source>Sync: no sync client on this kiosk.</source>
        <translation>同步：本机没有同步客户端。</translation>
    </message>
    <message>
        <location filename="../../ui/screens/technician.py" line="376" />
        <source>online</source>
        <translation>在线</translation>
    </message>
    <message>
        <location filename="../../ui/screens/technician.py" line="376" />
        <location filename="../../ui/screens/technician.py" line="389" />
        <source>offline</source>
        <translation>离线</translation>
    </message>
    <message>
        <location filename="../../ui/screens/technician.py" line="376" />
        <source>not asked yet</source>
        <translation>尚未连接</translation>
    </message>
    <message>
        <location filename="../../ui/screens/technician.py" line="377" />
        <source>Sync: %1, last server answer %2</source>
        <translation>同步：%1，服务器最近应答 %2</translation>
    </message>
    <message>
        <location filename="../../ui/screens/technician.py" line="380" />
        <source>Not uploaded: %1 rows, the oldest from %2 (%3 ago)</source>
        <translation>未上传：%1 条，最早一条写于 %2（%3 前）</translation>
    </message>
    <message>
        <location filename="../../ui/screens/technician.py" line="384" />
        <source>Not uploaded: none</source>
        <translation>未上传：无</translation>
    </message>
    <message>
        <location filename="../../ui/screens/technician.py" line="386" />
        <source>SAM offline quota: %1 yuan</source>
        <translation>SAM 离线额度：%1 元</translation>
    </message>
    <message>
        <location filename="../../ui/screens/technician.py" line="388" />
        <source>ready</source>
        <translation>正常</translation>
    </message>
    <message>
        <location filename="../../ui/screens/technician.py" line="388" />
        <source>paper near end</source>
        <translation>纸将用尽</translation>
    </message>
    <message>
        <location filename="../../ui/screens/technician.py" line="388" />
        <source>out of paper</source>
        <translation>缺纸</translation>
    </message>
    <message>
        <location filename="../../ui/screens/technician.py" line="389" />
        <source>cover open</source>
        <translation>盖未关</translation>
    </message>
    <message>
        <location filename="../../ui/screens/technician.py" line="390" />
        <source>Printer: %1</source>
        <translation>打印机：%1</translation>
    </message>
    <message>
        <location filename="../../ui/screens/technician.py" line="394" />
        <source>Cash box: %1 notes, %2 yuan; acceptor counter %3, journal expects %4</source>
        <translation>钞箱：%1 张，%2 元；纸币器计数 %3，日志应为 %4</translation>
    </message>
    <message>
        <location filename="../../ui/screens/technician.py" line="399" />
        <source>none</source>
        <translation>无</translation>
    </message>
    <message>
        <location filename="../../ui/screens/technician.py" line="401" />
        <source>answers</source>
        <translation>正常</translation>
    </message>
    <message>
        <location filename="../../ui/screens/technician.py" line="403" />
        <source>Cards served: %1; SAM %2</source>
        <translation>可受理卡型：%1；SAM %2</translation>
    </message>
    <message>
        <location filename="../../ui/screens/technician.py" line="402" />
        <source>answers, quota %1 yuan</source>
        <translation>正常，额度 %1 元</translation>
    </message>
    <message>
        <location filename="../../ui/screens/technician.py" line="401" />
        <source>not answering</source>
        <translation>无应答</translation>
    </message>
    <message>
        <location filename="../../ui/screens/technician.py" line="405" />
        <source>Journal: %1</source>
        <translation>日志：%1</translation>
    </message>
    <message>
        <location filename="../../ui/screens/technician.py" line="412" />
        <source>Since the last collection (journal row %1):</source>
        <translation>自上次清点（日志第 %1 条）以来：</translation>
    </message>
    <message>
        <location filename="../../ui/screens/technician.py" line="415" />
        <source>Total %1 yuan</source>
        <translation>合计 %1 元</translation>
    </message>
    <message>
        <location filename="../../ui/screens/technician.py" line="416" />
        <source>Acceptor counter %1, journal expects %2</source>
        <translation>纸币器计数 %1，日志应为 %2</translation>
    </message>
    <message>
        <location filename="../../ui/screens/technician.py" line="423" />
        <source>Settlement %1: expected cash %2 yuan</source>
        <translation>%1 日结：应有现金 %2 元</translation>
    </message>
    <message>
        <location filename="../../ui/screens/technician.py" line="425" />
        <source>Gas credited %1, kept as account credit %2, held for review %3, not settled %4</source>
        <translation>已写卡气费 %1，存入账户余额 %2，待人工处理 %3，未结 %4</translation>
    </message>
    <message>
        <location filename="../../ui/screens/technician.py" line="428" />
        <source>Balanced</source>
        <translation>账实相符</translation>
    </message>
    <message>
        <location filename="../../ui/screens/technician.py" line="428" />
        <source>NOT balanced: see the differences</source>
        <translation>账实不符：见差异明细</translation>
    </message>
    <message>
        <location filename="../../ui/screens/technician.py" line="435" />
        <source>No purchases yet.</source>
        <translation>暂无购气记录。</translation>
    </message>
    <message>
        <location filename="../../ui/screens/technician.py" line="436" />
        <source>time, card, paid, gas, method, state, prints</source>
        <translation>时间、卡号、实收、气费、方式、状态、打印次数</translation>
    </message>
    <message>
        <location filename="../../ui/screens/technician.py" line="441" />
        <source>No warnings logged since start.</source>
        <translation>启动以来没有警告记录。</translation>
    </message>
</context>
</TS>